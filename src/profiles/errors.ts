/**
 * Configuration errors a user can act on: which field (in the user's own
 * terms: a YAML path, an env var, a flag), what is wrong with it, and what to
 * do. Messages never quote the value of a field, so a secret that landed in
 * the wrong place is never echoed back.
 */
import type { z } from 'zod';
import { profileFieldFix, RECORD_FIELDS } from './schema';

export type ConfigSourceKind = 'flag' | 'env' | 'file' | 'settings' | 'default';

/** Where validated data came from, and how to name its fields to the user. */
export interface ConfigSource {
  kind: ConfigSourceKind;
  /** The YAML file, when kind is 'file'. */
  file?: string;
  /** Names a path of the validated object in the user's terms; dotted camelCase when absent. */
  name?: (path: readonly PropertyKey[]) => string;
  /** How a user would set a field that is missing; used as the fix. */
  howToSet?: (path: readonly PropertyKey[]) => string | undefined;
  /** The file a path came from, when sources are mixed. */
  locate?: (path: readonly PropertyKey[]) => string | undefined;
  /** The schema that was validated; used to list the allowed keys next to an unknown one. */
  schema?: z.ZodType;
}

export class ConfigError extends Error {
  readonly field: string;
  readonly problem: string;
  readonly fix: string;
  /** The file or source the field came from, when known (e.g. a YAML path on disk). */
  readonly source?: string;
  /** Further problems found in the same pass. */
  readonly related: ConfigError[];

  constructor(field: string, problem: string, fix: string, options: { source?: string; related?: ConfigError[] } = {}) {
    super(`${field}: ${problem}. ${fix}`);
    this.name = 'ConfigError';
    this.field = field;
    this.problem = problem;
    this.fix = fix;
    this.source = options.source;
    this.related = options.related ?? [];
  }

  /** This error followed by the related ones. */
  get all(): ConfigError[] {
    return [this, ...this.related];
  }
}

/** Every problem as its own line, with the source file when known. */
export function formatConfigError(error: ConfigError): string {
  const where = error.source ? ` (in ${error.source})` : '';
  const lines = error.all.map((e) => `${e.field}: ${e.problem}. ${e.fix}`);
  return (error.all.length > 1 ? `${error.all.length} configuration problems${where}:\n  ` : `Configuration problem${where}: `) + lines.join('\n  ');
}

/** `controlPlane.servers[0].command` style, for people reading camelCase settings. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function snake(segment: string): string {
  return segment.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * `control_plane.extra_headers.X-Foo` style: camelCase field names become
 * snake_case, user-chosen keys under a record (header names) are kept.
 */
export function formatSnakePath(path: readonly PropertyKey[]): string {
  const out: PropertyKey[] = [];
  let inRecord = false;
  for (const segment of path) {
    if (typeof segment === 'number' || inRecord) {
      out.push(segment);
      continue;
    }
    const name = String(segment);
    out.push(snake(name));
    if (RECORD_FIELDS.has(name)) inRecord = true;
  }
  return formatPath(out);
}

type Issue = z.core.$ZodIssue;

const DEFAULT_MESSAGE = /^(Invalid|Too (small|big)|Unrecognized key)/;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

function describeExpected(expected: string, kind: ConfigSourceKind): string {
  switch (expected) {
    case 'object':
      return kind === 'file' ? 'a mapping of keys' : 'an object';
    case 'array':
      return 'a list';
    case 'string':
      return 'text';
    case 'number':
    case 'int':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'record':
      return kind === 'file' ? 'a mapping of names to values' : 'an object of names to values';
    default:
      return expected;
  }
}

/** Internal zod definition walk, to list the keys an object accepts. */
function schemaAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: unknown = schema;
  const unwrap = (s: unknown): unknown => {
    for (let i = 0; i < 16 && s; i++) {
      const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (!def) return s;
      if (def.innerType) s = def.innerType;
      else if (def.type === 'pipe') s = def.in;
      else return s;
    }
    return s;
  };
  for (const segment of path) {
    current = unwrap(current);
    const def = (current as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def) return undefined;
    if (def.type === 'object' && typeof segment === 'string') current = (def.shape as Record<string, unknown>)[segment];
    else if (def.type === 'array' && typeof segment === 'number') current = def.element;
    else return undefined;
  }
  return unwrap(current) as z.ZodType | undefined;
}

function objectKeys(schema: z.ZodType | undefined): string[] | undefined {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * One ConfigError per zod issue (the first, with the rest in `related`),
 * naming each field as the user wrote it. Inputs are never quoted.
 */
export function fromZod(error: z.ZodError, source: ConfigSource): ConfigError {
  const name = source.name ?? formatPath;
  const fileOf = (path: readonly PropertyKey[]) => (source.locate ? source.locate(path) : source.kind === 'file' ? source.file : undefined);
  const errors: ConfigError[] = [];
  const seen = new Set<string>();
  let path: readonly PropertyKey[] = [];
  const push = (field: string, problem: string, fix: string) => {
    const key = `${field}\n${problem}`;
    if (seen.has(key)) return;
    seen.add(key);
    errors.push(new ConfigError(field, problem, fix, { source: fileOf(path) }));
  };

  for (const issue of error.issues as Issue[]) {
    path = issue.path;
    const customFix = issue.code === 'custom' ? (issue.params as { fix?: unknown } | undefined)?.fix : undefined;
    const fieldFix = typeof customFix === 'string' ? customFix : profileFieldFix(path);
    const input = (issue as { input?: unknown }).input;
    // Parsed with reportInput, a missing field is the only issue without an input.
    const missing = 'input' in issue ? input === undefined : /received undefined$/.test(issue.message);

    if (issue.code === 'unrecognized_keys') {
      const allowed = objectKeys(schemaAt(source.schema, path));
      const allowedNames = allowed?.map((k) => name([...path, k]).split(/[.[]/).pop() ?? k);
      const parent = path.length > 0 ? name(path) : 'the top level';
      for (const key of issue.keys) {
        const suggestion = allowedNames ? closest(key, allowedNames) : undefined;
        const list = allowedNames ? `Allowed keys in ${parent}: ${allowedNames.join(', ')}` : 'Remove it';
        push(name([...path, key]), 'is not a known key', suggestion ? `Did you mean ${suggestion}? ${list}` : list);
      }
      continue;
    }

    const field = path.length > 0 ? name(path) : 'profile';
    if (issue.code === 'invalid_type' && missing) {
      push(field, 'is required', source.howToSet?.(path) ?? fieldFix ?? 'Add it');
      continue;
    }
    if (issue.code === 'invalid_type') {
      push(
        field,
        `must be ${describeExpected(issue.expected, source.kind)}, not ${describeType(input)}`,
        fieldFix ?? `Write it as ${describeExpected(issue.expected, source.kind)}`,
      );
      continue;
    }
    if (issue.code === 'invalid_value') {
      const values = issue.values.map((v) => String(v)).join(', ');
      push(field, `must be one of: ${values}`, fieldFix ?? 'Change it to one of those values');
      continue;
    }
    const problem = DEFAULT_MESSAGE.test(issue.message) ? 'is not valid' : issue.message;
    push(field, problem, fieldFix ?? 'Correct the value');
  }

  if (errors.length === 0) return new ConfigError('profile', 'is not valid', 'Check the configuration', { source: fileOf([]) });
  const [first, ...rest] = errors;
  return new ConfigError(first.field, first.problem, first.fix, { source: first.source, related: rest });
}
