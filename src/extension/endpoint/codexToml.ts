/**
 * Our `[mcp_servers.<name>]` table in Codex's `config.toml`: the front door's
 * `url` and the environment variable that holds its token
 * (`bearer_token_env_var`), never the token. The edit is a text edit of our
 * table's span only (its header to the next table's), so the user's comments,
 * layout and other tables stay byte for byte; smol-toml then proves the result
 * parses and that every other table holds what it held.
 */
import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };

// smol-toml ships ESM type declarations only; its CommonJS build is what require() loads here.
const { parse: parseToml } = require('smol-toml') as typeof SmolToml;

export interface CodexEntry {
  /** The key under `mcp_servers`: letters, digits, `_` and `-` (a bare TOML key). */
  name: string;
  url: string;
  /** The environment variable Codex reads the bearer token from. */
  envVar: string;
}

type Table = Record<string, unknown>;

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** The table as we write it. */
export function codexTable(entry: CodexEntry): string {
  if (!BARE_KEY.test(entry.name)) throw new Error(`"${entry.name}" is not a bare TOML key`);
  return [
    `[mcp_servers.${entry.name}]`,
    '# Added by MCP Tunnel: its loopback front door. The token is read from the environment variable below.',
    `url = ${JSON.stringify(entry.url)}`,
    `bearer_token_env_var = ${JSON.stringify(entry.envVar)}`,
    '',
  ].join('\n');
}

function parse(text: string, what: string): Table {
  try {
    return parseToml(text) as Table;
  } catch (err) {
    throw new Error(`${what} is not valid TOML (${(err as Error).message.split('\n')[0]}); fix it first`);
  }
}

interface Header {
  /** Offset of the header line's first character. */
  start: number;
  /** The table's key path, e.g. ["mcp_servers", "docs"]. */
  path: string[];
}

/** The table headers (`[a.b]`, `[[a.b]]`) of `text`, each line read by smol-toml itself so quoting and spacing need no rules here. */
function headers(text: string): Header[] {
  const out: Header[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[')) {
      const path = headerPath(trimmed);
      if (path) out.push({ start: offset, path });
    }
    offset += line.length + 1;
  }
  return out;
}

function headerPath(line: string): string[] | undefined {
  let value: unknown;
  try {
    value = parseToml(line);
  } catch {
    return undefined;
  }
  const path: string[] = [];
  // A header alone parses to a chain of one-key tables (or an array of one table).
  while (typeof value === 'object' && value !== null) {
    if (Array.isArray(value)) {
      value = value[0];
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length !== 1) break;
    path.push(keys[0]!);
    value = (value as Table)[keys[0]!];
  }
  return path.length ? path : undefined;
}

const isOurs = (path: string[], name: string) => path.length >= 2 && path[0] === 'mcp_servers' && path[1] === name;

/**
 * Our table's span: its header (and sub-tables of it) up to the next other
 * table's header, less the comment lines directly above that header, which
 * belong to it.
 */
function span(text: string, name: string): { start: number; end: number } | undefined {
  const all = headers(text);
  const first = all.findIndex((h) => isOurs(h.path, name));
  if (first < 0) return undefined;
  const next = all.slice(first + 1).find((h) => !isOurs(h.path, name));
  let end = next ? next.start : text.length;
  if (next) {
    const lines = text.slice(all[first]!.start, end).split('\n');
    lines.pop(); // the empty text before the next header
    let keep = lines.length;
    while (keep > 1 && lines[keep - 1]!.trim().startsWith('#')) keep--;
    end = all[first]!.start + lines.slice(0, keep).reduce((n, l) => n + l.length + 1, 0);
  }
  return { start: all[first]!.start, end };
}

function withoutOurs(root: Table, name: string): Table {
  const servers = root.mcp_servers;
  if (typeof servers !== 'object' || servers === null) return root;
  const { [name]: _ours, ...others } = servers as Table;
  const { mcp_servers: _all, ...rest } = root;
  return Object.keys(others).length ? { ...rest, mcp_servers: others } : rest;
}

/** Throws unless `after` parses, holds `ours` (or none) under our name, and every other value is as in `before`. */
function check(before: string, after: string, name: string, ours: Table | undefined): void {
  const was = parse(before, 'config.toml');
  const now = parse(after, 'The edited config.toml');
  const mine = (now.mcp_servers as Table | undefined)?.[name];
  if (JSON.stringify(mine) !== JSON.stringify(ours)) throw new Error(`the edit of [mcp_servers.${name}] did not give the table it should; config.toml is left as it was`);
  if (JSON.stringify(withoutOurs(was, name)) !== JSON.stringify(withoutOurs(now, name))) {
    throw new Error(`the edit of [mcp_servers.${name}] would change other tables of config.toml (is ours defined in more than one place?); it is left as it was`);
  }
}

/** `text` with our table added at the end, or put in place of ours; the same text when it is already as wanted. */
export function addToCodexConfig(text: string, entry: CodexEntry): string {
  const root = parse(text, 'config.toml');
  const table = codexTable(entry);
  const at = span(text, entry.name);
  let out: string;
  if (at) {
    const between = text.slice(at.start, at.end);
    // Keep the blank lines that separated our table from the next one.
    const trailing = /\n*$/.exec(between)![0].slice(1);
    out = text.slice(0, at.start) + table + trailing + text.slice(at.end);
  } else {
    if ((root.mcp_servers as Table | undefined)?.[entry.name] !== undefined) {
      throw new Error(`config.toml defines mcp_servers.${entry.name} without a [mcp_servers.${entry.name}] table of its own; edit or remove it by hand`);
    }
    const separator = text === '' ? '' : text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
    out = text + separator + table;
  }
  check(text, out, entry.name, { url: entry.url, bearer_token_env_var: entry.envVar });
  return out;
}

/** `text` without our table (and the blank line an add put before it at the end); the same text when it has none. */
export function removeFromCodexConfig(text: string, name: string): string {
  parse(text, 'config.toml');
  const at = span(text, name);
  if (!at) return text;
  let start = at.start;
  // At the end of the file, the blank line an add put before the table goes with it.
  if (at.end === text.length && text.slice(0, start).endsWith('\n\n')) start--;
  const out = text.slice(0, start) + text.slice(at.end);
  check(text, out, name, undefined);
  return out;
}

/** Whether `text` has our table. */
export function hasCodexServer(text: string, name: string): boolean {
  try {
    return span(text, name) !== undefined;
  } catch {
    return false;
  }
}

/** The lines that differ, as "- old" and "+ new", for the confirmation's detail. */
export function changedLines(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const removed = a.slice(head, a.length - tail).map((l) => `- ${l}`);
  const added = b.slice(head, b.length - tail).map((l) => `+ ${l}`);
  return [...removed, ...added].filter((l) => l.trim() !== '-' && l.trim() !== '+').join('\n');
}
