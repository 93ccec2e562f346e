/**
 * Secret references: `env:NAME`, `file:PATH` or `secret:KEY` (the editor's
 * SecretStorage). Profiles hold references; values are read only when the
 * engine config is built. No message here ever contains a secret value.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorCode } from '../engine/failure';
import { ConfigError } from './errors';
import { isSecretReference } from './schema';

export { isSecretReference };

export type Env = Record<string, string | undefined>;

export interface SecretStore {
  get(key: string): Promise<string | undefined> | string | undefined;
}

/** File access, replaceable in tests and in the editor (virtual workspaces). */
export interface FileAccess {
  /** Reads a UTF-8 text file; defaults to node:fs. */
  readFile?: (file: string) => Promise<string>;
  /** POSIX permission bits of a file, or undefined when unknown; defaults to fs.stat. */
  fileMode?: (file: string) => Promise<number | undefined>;
  /** For `~/` in paths; defaults to os.homedir(). */
  homedir?: string;
}

export interface SecretOptions extends FileAccess {
  env: Env;
  secretStore?: SecretStore;
  /** Warnings (loose file permissions) are appended here. */
  warnings?: string[];
  /** How the field is named in messages, e.g. `control_plane.api_key`. */
  field?: string;
  /** Another way to provide the value, e.g. "run 'MCP Tunnel: Set API Key…' in VS Code". */
  hint?: string;
}

export const defaultReadFile = (file: string): Promise<string> => fs.readFile(file, 'utf8');

export async function defaultFileMode(file: string): Promise<number | undefined> {
  if (process.platform === 'win32') return undefined;
  try {
    return (await fs.stat(file)).mode;
  } catch {
    return undefined;
  }
}

export function expandHome(file: string, homedir: string = os.homedir()): string {
  if (file === '~') return homedir;
  if (file.startsWith('~/') || file.startsWith('~\\')) return path.join(homedir, file.slice(2));
  return file;
}

/** How a reference reads in a report, never the value: `env:NAME`, `file:/path`, or "a literal value". */
export function describeSecretReference(ref: string): string {
  return isSecretReference(ref) ? ref : 'a value written directly in the configuration';
}

/** Reads a file that holds a secret or private key, warning when other users can read it. */
export async function readPrivateFile(
  file: string,
  opts: FileAccess & { field: string; warnings?: string[]; what: string },
): Promise<string> {
  const resolved = expandHome(file, opts.homedir);
  let text: string;
  try {
    text = await (opts.readFile ?? defaultReadFile)(resolved);
  } catch (err) {
    throw new ConfigError(
      opts.field,
      `cannot read ${opts.what} ${resolved} (${errorCode(err) ?? 'unreadable'})`,
      'Check the path and that this user may read the file',
    );
  }
  const mode = await (opts.fileMode ?? defaultFileMode)(resolved).catch(() => undefined);
  if (mode !== undefined && (mode & 0o077) !== 0) {
    opts.warnings?.push(
      `${opts.field}: ${resolved} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}). Run chmod 600 ${resolved}`,
    );
  }
  return text;
}

export async function resolveSecret(ref: string, opts: SecretOptions): Promise<string> {
  const field = opts.field ?? 'secret';
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = opts.env[name];
    if (value === undefined || value === '') {
      throw new ConfigError(field, `refers to the environment variable ${name}, which is not set`, `Export ${name}${opts.hint ? `, or ${opts.hint}` : ' before starting the tunnel'}`);
    }
    return value;
  }
  if (ref.startsWith('file:')) {
    const file = ref.slice(5).trim();
    const text = await readPrivateFile(file, { ...opts, field, what: 'the file' });
    const value = text.trim();
    if (value === '') {
      throw new ConfigError(field, `the file ${expandHome(file, opts.homedir)} is empty`, 'Write the value into it on one line');
    }
    return value;
  }
  if (ref.startsWith('secret:')) {
    const key = ref.slice(7);
    if (!opts.secretStore) {
      throw new ConfigError(
        field,
        `refers to the editor secret storage (${ref}), which is only available inside VS Code`,
        'Outside the editor use env:NAME or file:PATH instead',
      );
    }
    const value = await opts.secretStore.get(key);
    if (value === undefined || value === '') {
      throw new ConfigError(field, `the stored secret ${key} is not set`, opts.hint ? opts.hint.charAt(0).toUpperCase() + opts.hint.slice(1) : 'Store it again from the editor');
    }
    return value;
  }
  return ref;
}
