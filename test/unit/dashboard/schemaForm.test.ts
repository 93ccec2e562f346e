import { strict as assert } from 'node:assert';
import { fieldsFromSchema, initialValues, parseField, validateForm } from '../../../webview/model/schemaForm';

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
        ['tags', 'json', false],
        ['options', 'json', false],
        ['either', 'json', false],
        ['code', 'string', false],
      ],
    );
    assert.equal(byName.tags!.jsonType, 'array');
    assert.equal(byName.options!.jsonType, 'object');
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
    assert.equal(JSON.parse(values.tags!)[0], 'a');
  });

  it('turns valid input into typed arguments and leaves empty optional fields out', () => {
    const result = validateForm(fields, { ...initialValues(fields), message: 'Hello', mode: '1', loud: 'true', level: '2', tags: '["x","y"]', options: '{"a":1}', either: '7', ratio: '0.5' });
    assert.equal(result.ok, true, JSON.stringify(result.errors));
    assert.deepEqual(result.args, { message: 'Hello', loud: true, mode: 'slow', count: 3, ratio: 0.5, level: 3, tags: ['x', 'y'], options: { a: 1 }, either: 7 });
  });

  it('says what is wrong with each field', () => {
    const result = validateForm(fields, { message: '', mode: '', loud: 'false', note: 'too long', count: '2.5', ratio: '1', tags: '{"a":1}', options: '[1]', either: '{oops', code: 'abc' });
    assert.equal(result.ok, false);
    assert.deepEqual(result.errors, {
      message: 'Required',
      mode: 'Required',
      note: 'Must be at most 5 characters',
      count: 'Enter a whole number',
      ratio: 'Must be less than 1',
      tags: 'Must be a JSON array: [ … ]',
      options: 'Must be a JSON object: { … }',
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
