/**
 * A tool's `inputSchema` (JSON Schema, object at the top) as form fields, and
 * the form's raw values back into call arguments with a message per field
 * that cannot be used. Scalars get their own inputs; an object with
 * properties is a sub-form of its fields, an array a list of items of its
 * item schema (added and removed one by one); anything the form cannot
 * express (anyOf, $ref, nesting deeper than MAX_DEPTH, …) is edited as JSON.
 *
 * Fields are named by their path from the top: `path`, `options.mode`,
 * `edits[1].oldText` (items counted from 1, as the form shows them).
 */
import { isObject } from '../../src/protocol/jsonrpc';

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json' | 'object' | 'array';

/** Objects and arrays nest this deep at most before they are edited as JSON. */
export const MAX_DEPTH = 4;

export interface FormField {
  name: string;
  /** The schema's title, else the property name. */
  label: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  /** enum: the allowed values, in schema order. */
  options?: unknown[];
  /** json: what the value must be. */
  jsonType?: 'array' | 'object' | 'any';
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  /** Placeholder text: an example of what to type. */
  placeholder?: string;
  /** object: its properties' fields. */
  fields?: FormField[];
  /** array: the field of one item. */
  item?: FormField;
  minItems?: number;
  maxItems?: number;
}

/**
 * A field's raw value: text for inputs, the option index for enums,
 * 'true' | 'false' | '' for booleans; the fields' values for an object, the
 * items' values for an array.
 */
export type FormValue = string | FormValue[] | { [name: string]: FormValue };

/** Raw values by field name. */
export type FormValues = Record<string, FormValue>;

export interface FormResult {
  ok: boolean;
  /** The call's `arguments`: empty optional fields are left out. */
  args: Record<string, unknown>;
  /** A message per field that cannot be used, by the field's path. */
  errors: Record<string, string>;
}

type Schema = Record<string, unknown>;


function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The schema's single non-null type, when it has one. */
function typeOf(schema: Schema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const real = t.filter((x) => x !== 'null');
    return real.length === 1 && typeof real[0] === 'string' ? real[0] : undefined;
  }
  if (Array.isArray(schema.enum)) return 'enum';
  if (isObject(schema.properties)) return 'object';
  return undefined;
}

function fieldFor(name: string, schema: Schema, required: boolean, depth: number): FormField {
  const field: FormField = { name, label: typeof schema.title === 'string' && schema.title ? schema.title : name, kind: 'json', required };
  if (typeof schema.description === 'string') field.description = schema.description;
  if ('default' in schema) field.default = schema.default;
  const type = typeOf(schema);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    field.kind = 'enum';
    field.options = schema.enum;
  } else if ('const' in schema) {
    field.kind = 'enum';
    field.options = [schema.const];
  } else if (type === 'string') {
    field.kind = 'string';
    field.minLength = num(schema.minLength);
    field.maxLength = num(schema.maxLength);
    if (typeof schema.pattern === 'string') field.pattern = schema.pattern;
    if (typeof schema.format === 'string') field.format = schema.format;
  } else if (type === 'number' || type === 'integer') {
    field.kind = type;
    field.minimum = num(schema.minimum);
    field.maximum = num(schema.maximum);
    field.exclusiveMinimum = num(schema.exclusiveMinimum);
    field.exclusiveMaximum = num(schema.exclusiveMaximum);
  } else if (type === 'boolean') {
    field.kind = 'boolean';
  } else if (type === 'object' && isObject(schema.properties) && depth < MAX_DEPTH) {
    field.kind = 'object';
    field.fields = fieldsOf(schema, depth + 1);
  } else if (type === 'array' && isObject(schema.items) && depth < MAX_DEPTH) {
    field.kind = 'array';
    field.item = fieldFor('', schema.items, true, depth + 1);
    field.minItems = num(schema.minItems);
    field.maxItems = num(schema.maxItems);
  } else {
    field.kind = 'json';
    field.jsonType = type === 'array' ? 'array' : type === 'object' ? 'object' : 'any';
    field.placeholder = field.jsonType === 'array' ? '[ … ]' : field.jsonType === 'object' ? '{ … }' : 'JSON value';
  }
  for (const key of Object.keys(field) as (keyof FormField)[]) if (field[key] === undefined) delete field[key];
  return field;
}

function fieldsOf(schema: Schema, depth: number): FormField[] {
  if (!isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  const fields = Object.entries(schema.properties).map(([name, sub]) => fieldFor(name, isObject(sub) ? sub : {}, required.has(name), depth));
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

/** The fields of an object schema, required ones first, otherwise in schema order. */
export function fieldsFromSchema(schema: unknown): FormField[] {
  return isObject(schema) ? fieldsOf(schema, 0) : [];
}

/** The path of a property below `parent` ('' at the top). */
export function childPath(parent: string, name: string): string {
  return parent ? `${parent}.${name}` : name;
}

/** The path of an array's item, counted from 1 as the form shows it. */
export function itemPath(parent: string, index: number): string {
  return `${parent}[${index + 1}]`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The raw value shown for a value (defaults, replayed arguments); undefined: the field's default. */
export function toFormValue(field: FormField, value: unknown): FormValue {
  if (value === undefined) value = field.default;
  if (field.kind === 'object') return initialValues(field.fields ?? [], isRecord(value) ? value : {});
  if (field.kind === 'array') {
    if (Array.isArray(value)) return value.map((v) => toFormValue(field.item!, v));
    // A required list starts with as many empty items as it needs (one at least), to fill in.
    return field.required ? Array.from({ length: Math.max(1, field.minItems ?? 0) }, () => toFormValue(field.item!, undefined)) : [];
  }
  const text = valueToText(field, value);
  return field.kind === 'boolean' && field.required && text === '' ? 'false' : text;
}

/** Text shown in an input for a scalar value. */
export function valueToText(field: FormField, value: unknown): string {
  if (value === undefined) return '';
  switch (field.kind) {
    case 'enum': {
      const index = (field.options ?? []).findIndex((o) => JSON.stringify(o) === JSON.stringify(value));
      return index < 0 ? '' : String(index);
    }
    case 'object':
    case 'array':
    case 'json':
      return JSON.stringify(value, null, 2);
    case 'boolean':
      return value === true ? 'true' : value === false ? 'false' : '';
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** Starting values: each field's default, else empty (a required boolean starts false, a required list with one item). */
export function initialValues(fields: readonly FormField[], args: Record<string, unknown> = {}): FormValues {
  const values: FormValues = {};
  for (const f of fields) values[f.name] = toFormValue(f, args[f.name]);
  return values;
}

/** A value of the shape the field needs: saved values of an older form of the tool are replaced by the field's start. */
function conformValue(field: FormField, value: FormValue | undefined): FormValue {
  if (field.kind === 'object') return isRecord(value) ? conform(field.fields ?? [], value as FormValues) : toFormValue(field, undefined);
  if (field.kind === 'array') return Array.isArray(value) ? value.map((v) => conformValue(field.item!, v)) : toFormValue(field, undefined);
  return typeof value === 'string' ? value : toFormValue(field, undefined);
}

/** `values` fitted to the fields: every field present, each of its kind's shape. */
export function conform(fields: readonly FormField[], values: FormValues | undefined): FormValues {
  const out: FormValues = {};
  for (const f of fields) out[f.name] = conformValue(f, values?.[f.name]);
  return out;
}

function checkNumber(field: FormField, n: number): string | undefined {
  if (field.kind === 'integer' && !Number.isInteger(n)) return 'Enter a whole number';
  if (field.minimum !== undefined && n < field.minimum) return `Must be at least ${field.minimum}`;
  if (field.maximum !== undefined && n > field.maximum) return `Must be at most ${field.maximum}`;
  if (field.exclusiveMinimum !== undefined && n <= field.exclusiveMinimum) return `Must be more than ${field.exclusiveMinimum}`;
  if (field.exclusiveMaximum !== undefined && n >= field.exclusiveMaximum) return `Must be less than ${field.exclusiveMaximum}`;
  return undefined;
}

function checkString(field: FormField, s: string): string | undefined {
  if (field.minLength !== undefined && s.length < field.minLength) return `Must be at least ${field.minLength} character${field.minLength === 1 ? '' : 's'}`;
  if (field.maxLength !== undefined && s.length > field.maxLength) return `Must be at most ${field.maxLength} character${field.maxLength === 1 ? '' : 's'}`;
  if (field.pattern !== undefined) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(field.pattern, 'u');
    } catch {
      re = undefined; // A pattern we cannot compile is the server's to enforce.
    }
    if (re && !re.test(s)) return `Must match ${field.pattern}`;
  }
  return undefined;
}

/** One scalar field's value, or the message that says why it cannot be used. */
export function parseField(field: FormField, raw: string | undefined): { value?: unknown; error?: string } {
  const text = raw ?? '';
  const empty = field.kind === 'string' ? text === '' : text.trim() === '';
  if (empty) return field.required ? { error: 'Required' } : {};
  switch (field.kind) {
    case 'string': {
      const error = checkString(field, text);
      return error ? { error } : { value: text };
    }
    case 'number':
    case 'integer': {
      const n = Number(text.trim());
      if (!Number.isFinite(n)) return { error: field.kind === 'integer' ? 'Enter a whole number' : 'Enter a number' };
      const error = checkNumber(field, n);
      return error ? { error } : { value: n };
    }
    case 'boolean':
      if (text === 'true') return { value: true };
      if (text === 'false') return { value: false };
      return { error: 'Choose true or false' };
    case 'enum': {
      const index = Number(text);
      const options = field.options ?? [];
      if (!Number.isInteger(index) || index < 0 || index >= options.length) return { error: 'Choose one of the values' };
      return { value: options[index] };
    }
    case 'object':
    case 'array':
      return { error: 'Not a single value' };
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        return { error: `Not valid JSON: ${(err as Error).message}` };
      }
      if (field.jsonType === 'array' && !Array.isArray(value)) return { error: 'Must be a JSON array: [ … ]' };
      if (field.jsonType === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) return { error: 'Must be a JSON object: { … }' };
      return { value };
    }
  }
}

function sameValue(a: FormValue, b: FormValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The value of the field at `path`, undefined when left out; messages go into `errors` by path. */
function parseValue(field: FormField, raw: FormValue, path: string, errors: Record<string, string>): unknown {
  if (field.kind === 'object') {
    const fields = field.fields ?? [];
    const values = conform(fields, raw as FormValues);
    // An optional object left as it started is left out, required fields inside it included.
    if (!field.required && sameValue(values, initialValues(fields))) return undefined;
    return parseFields(fields, values, path, errors);
  }
  if (field.kind === 'array') {
    const items = Array.isArray(raw) ? raw : [];
    if (!field.required && items.length === 0) return undefined;
    const out = items.map((item, i) => parseValue(field.item!, item, itemPath(path, i), errors));
    if (field.minItems !== undefined && items.length < field.minItems) errors[path] = `Add at least ${field.minItems} item${field.minItems === 1 ? '' : 's'}`;
    else if (field.maxItems !== undefined && items.length > field.maxItems) errors[path] = `At most ${field.maxItems} item${field.maxItems === 1 ? '' : 's'}`;
    return out;
  }
  const { value, error } = parseField(field, typeof raw === 'string' ? raw : '');
  if (error) errors[path] = error;
  return value;
}

function parseFields(fields: readonly FormField[], values: FormValues, parent: string, errors: Record<string, string>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const field of fields) {
    const value = parseValue(field, values[field.name] ?? toFormValue(field, undefined), childPath(parent, field.name), errors);
    if (value !== undefined) args[field.name] = value;
  }
  return args;
}

/** The call's arguments from the form, or a message for each field (by path) that cannot be used. */
export function validateForm(fields: readonly FormField[], values: FormValues): FormResult {
  const errors: Record<string, string> = {};
  const args = parseFields(fields, conform(fields, values), '', errors);
  return { ok: Object.keys(errors).length === 0, args, errors };
}
