/**
 * A tool's `inputSchema` (JSON Schema, object at the top) as form fields, and
 * the form's raw text values back into call arguments with a message per
 * field that cannot be used. Scalars get their own inputs; arrays, objects and
 * anything the form cannot express (anyOf, …) are edited as JSON.
 */
import { isObject } from '../../src/protocol/jsonrpc';

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

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
}

/** Raw input values by field name: text for inputs, the option index for enums, 'true' | 'false' | '' for booleans. */
export type FormValues = Record<string, string>;

export interface FormResult {
  ok: boolean;
  /** The call's `arguments`: empty optional fields are left out. */
  args: Record<string, unknown>;
  /** A message per field that cannot be used. */
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

function fieldFor(name: string, schema: Schema, required: boolean): FormField {
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
  } else {
    field.kind = 'json';
    field.jsonType = type === 'array' ? 'array' : type === 'object' ? 'object' : 'any';
    field.placeholder = field.jsonType === 'array' ? '[ … ]' : field.jsonType === 'object' ? '{ … }' : 'JSON value';
  }
  for (const key of Object.keys(field) as (keyof FormField)[]) if (field[key] === undefined) delete field[key];
  return field;
}

/** The fields of an object schema, required ones first, otherwise in schema order. */
export function fieldsFromSchema(schema: unknown): FormField[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  const fields = Object.entries(schema.properties).map(([name, sub]) => fieldFor(name, isObject(sub) ? sub : {}, required.has(name)));
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

/** Text shown in an input for a value (defaults, replayed arguments). */
export function valueToText(field: FormField, value: unknown): string {
  if (value === undefined) return '';
  switch (field.kind) {
    case 'enum': {
      const index = (field.options ?? []).findIndex((o) => JSON.stringify(o) === JSON.stringify(value));
      return index < 0 ? '' : String(index);
    }
    case 'json':
      return JSON.stringify(value, null, 2);
    case 'boolean':
      return value === true ? 'true' : value === false ? 'false' : '';
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** Starting values: each field's default, else empty (a required boolean starts false). */
export function initialValues(fields: readonly FormField[], args: Record<string, unknown> = {}): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    const given = f.name in args ? args[f.name] : f.default;
    values[f.name] = valueToText(f, given);
    if (f.kind === 'boolean' && f.required && values[f.name] === '') values[f.name] = 'false';
  }
  return values;
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

/** One field's value, or the message that says why it cannot be used. */
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

/** The call's arguments from the form, or a message for each field that cannot be used. */
export function validateForm(fields: readonly FormField[], values: FormValues): FormResult {
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const { value, error } = parseField(field, values[field.name]);
    if (error) errors[field.name] = error;
    else if (value !== undefined) args[field.name] = value;
  }
  return { ok: Object.keys(errors).length === 0, args, errors };
}
