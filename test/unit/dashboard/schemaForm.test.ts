import { strict as assert } from 'node:assert';
import { conform, fieldsFromSchema, initialValues, MAX_DEPTH, parseField, validateForm } from '../../../webview/model/schemaForm';

/** Shaped like the tools of server-everything and real-world servers. */
const SCHEMA = {
  type: 'object',
  properties: {
    note: { type: 'string', description: 'Optional note', maxLength: 5 },
    message: { type: 'string', description: 'Message to echo', minLength: 1 },
    count: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
    ratio: { type: ['number', 'null'], exclusiveMaximum: 1 },
    loud: { type: 'boolean' },
    mode: { type: 'string', enum: ['fast', 'slow'] },
    level: { enum: [1, 2, 3] },
    tags: { type: 'array', items: { type: 'string' } },
    options: { type: 'object', properties: { a: { type: 'number' } } },
    either: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    code: { type: 'string', pattern: '^[A-Z]{3}$', title: 'Airport code' },
  },
  required: ['message', 'mode', 'loud'],
};

describe('schema → form', () => {
  const fields = fieldsFromSchema(SCHEMA);
  const byName = Object.fromEntries(fields.map((f) => [f.name, f]));

  it('makes one field per property, required ones first and marked', () => {
    assert.deepEqual(
      fields.map((f) => [f.name, f.kind, f.required]),
      [
        ['message', 'string', true],
        ['loud', 'boolean', true],
        ['mode', 'enum', true],
        ['note', 'string', false],
        ['count', 'integer', false],
        ['ratio', 'number', false],
        ['level', 'enum', false],
        ['tags', 'array', false],
        ['options', 'object', false],
        ['either', 'json', false],
        ['code', 'string', false],
      ],
    );
    assert.equal(byName.tags!.item!.kind, 'string');
    assert.deepEqual(byName.options!.fields!.map((f) => [f.name, f.kind]), [['a', 'number']]);
    assert.equal(byName.either!.jsonType, 'any');
    assert.equal(byName.code!.label, 'Airport code');
    assert.equal(byName.message!.description, 'Message to echo');
  });

  it('has no fields for a tool without properties', () => {
    assert.deepEqual(fieldsFromSchema({ type: 'object' }), []);
    assert.deepEqual(fieldsFromSchema(undefined), []);
  });

  it('starts from defaults, with required booleans false', () => {
    const values = initialValues(fields);
    assert.equal(values.count, '3');
    assert.equal(values.loud, 'false');
    assert.equal(values.message, '');
  });

  it('fills the form from earlier arguments', () => {
    const values = initialValues(fields, { message: 'hi', mode: 'slow', tags: ['a'], level: 2 });
    assert.equal(values.message, 'hi');
    assert.equal(values.mode, '1');
    assert.equal(values.level, '1');
    assert.deepEqual(values.tags, ['a']);
  });

  it('turns valid input into typed arguments and leaves empty optional fields out', () => {
    const result = validateForm(fields, { ...initialValues(fields), message: 'Hello', mode: '1', loud: 'true', level: '2', tags: ['x', 'y'], options: { a: '1' }, either: '7', ratio: '0.5' });
    assert.equal(result.ok, true, JSON.stringify(result.errors));
    assert.deepEqual(result.args, { message: 'Hello', loud: true, mode: 'slow', count: 3, ratio: 0.5, level: 3, tags: ['x', 'y'], options: { a: 1 }, either: 7 });
  });

  it('says what is wrong with each field', () => {
    const result = validateForm(fields, { message: '', mode: '', loud: 'false', note: 'too long', count: '2.5', ratio: '1', tags: ['ok', ''], options: { a: 'x' }, either: '{oops', code: 'abc' });
    assert.equal(result.ok, false);
    assert.deepEqual(result.errors, {
      message: 'Required',
      mode: 'Required',
      note: 'Must be at most 5 characters',
      count: 'Enter a whole number',
      ratio: 'Must be less than 1',
      'tags[2]': 'Required',
      'options.a': 'Enter a number',
      either: result.errors.either,
      code: 'Must match ^[A-Z]{3}$',
    });
    assert.match(result.errors.either!, /^Not valid JSON: /);
  });

  it('checks numeric bounds and parses numbers strictly', () => {
    assert.deepEqual(parseField(byName.count!, '0'), { error: 'Must be at least 1' });
    assert.deepEqual(parseField(byName.count!, '11'), { error: 'Must be at most 10' });
    assert.deepEqual(parseField(byName.count!, '12abc'), { error: 'Enter a whole number' });
    assert.deepEqual(parseField(byName.ratio!, ' 0.25 '), { value: 0.25 });
  });

  it('keeps a string exactly as typed, spaces included', () => {
    assert.deepEqual(parseField(byName.message!, '  padded  '), { value: '  padded  ' });
  });
});

/** server-filesystem's edit_file, as it lists it. */
const EDIT_FILE = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    edits: {
      type: 'array',
      items: {
        type: 'object',
        properties: { oldText: { type: 'string', description: 'Text to search for - must match exactly' }, newText: { type: 'string', description: 'Text to replace with' } },
        required: ['oldText', 'newText'],
      },
    },
    dryRun: { default: false, description: 'Preview changes using git-style diff format', type: 'boolean' },
  },
  required: ['path', 'edits'],
};

describe('schema → nested form', () => {
  const fields = fieldsFromSchema(EDIT_FILE);
  const edits = fields.find((f) => f.name === 'edits')!;

  it('gives an array of objects a sub-form per item, of the item schema\'s fields', () => {
    assert.equal(edits.kind, 'array');
    assert.equal(edits.item!.kind, 'object');
    assert.deepEqual(edits.item!.fields!.map((f) => [f.name, f.kind, f.required]), [['oldText', 'string', true], ['newText', 'string', true]]);
  });

  it('starts a required list with one empty item to fill in', () => {
    assert.deepEqual(initialValues(fields).edits, [{ oldText: '', newText: '' }]);
  });

  it('refuses the call and names each missing required field inside the items', () => {
    const result = validateForm(fields, { path: '/tmp/a.txt', edits: [{ oldText: 'a', newText: 'b' }, { oldText: 'c', newText: '' }], dryRun: 'false' });
    assert.equal(result.ok, false);
    assert.deepEqual(result.errors, { 'edits[2].newText': 'Required' });
  });

  it('builds the nested arguments, items in order', () => {
    const result = validateForm(fields, { path: '/tmp/a.txt', edits: [{ oldText: 'a', newText: 'b' }, { oldText: 'c', newText: 'd' }], dryRun: 'true' });
    assert.equal(result.ok, true, JSON.stringify(result.errors));
    assert.deepEqual(result.args, { path: '/tmp/a.txt', edits: [{ oldText: 'a', newText: 'b' }, { oldText: 'c', newText: 'd' }], dryRun: true });
  });

  it('sends an empty list for a required array with no items, and checks minItems and maxItems', () => {
    assert.deepEqual(validateForm(fields, { path: 'p', edits: [] }).args.edits, []);
    const list = fieldsFromSchema({ type: 'object', properties: { paths: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string' } } }, required: ['paths'] });
    assert.deepEqual(validateForm(list, { paths: [] }).errors, { paths: 'Add at least 1 item' });
    assert.deepEqual(validateForm(list, { paths: ['a', 'b', 'c'] }).errors, { paths: 'At most 2 items' });
    assert.deepEqual(validateForm(list, { paths: ['a', 'b'] }).args, { paths: ['a', 'b'] });
  });

  it('leaves out an optional object left as it started, and checks its required fields once it is filled in', () => {
    const form = fieldsFromSchema({
      type: 'object',
      properties: { target: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer', default: 443 } }, required: ['host'] } },
    });
    assert.equal(form[0]!.kind, 'object');
    const start = initialValues(form);
    assert.deepEqual(start, { target: { host: '', port: '443' } });
    assert.deepEqual(validateForm(form, start), { ok: true, args: {}, errors: {} });
    assert.deepEqual(validateForm(form, { target: { host: '', port: '8443' } }).errors, { 'target.host': 'Required' });
    assert.deepEqual(validateForm(form, { target: { host: 'example.com', port: '8443' } }).args, { target: { host: 'example.com', port: 8443 } });
  });

  it('fills nested sub-forms from earlier arguments', () => {
    const values = initialValues(fields, { path: 'p', edits: [{ oldText: 'x', newText: 'y' }], dryRun: true });
    assert.deepEqual(values, { path: 'p', edits: [{ oldText: 'x', newText: 'y' }], dryRun: 'true' });
  });

  it('edits as JSON what it cannot nest: objects without properties, anyOf, too deep', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i <= MAX_DEPTH; i++) deep = { type: 'object', properties: { inner: deep } };
    const form = fieldsFromSchema({ type: 'object', properties: { map: { type: 'object', additionalProperties: { type: 'string' } }, deep } });
    assert.deepEqual(form.map((f) => [f.name, f.kind]), [['map', 'json'], ['deep', 'object']]);
    let field = form[1]!;
    let depth = 0;
    while (field.kind === 'object') {
      field = field.fields![0]!;
      depth++;
    }
    assert.equal(field.kind, 'json');
    assert.equal(depth, MAX_DEPTH);
  });

  it('replaces saved values of another shape (an older form of the tool) by the field\'s start', () => {
    assert.deepEqual(conform(fields, { path: 'kept', edits: '[{"oldText":"a"}]', dryRun: ['x'] }), { path: 'kept', edits: [{ oldText: '', newText: '' }], dryRun: 'false' });
  });
});
