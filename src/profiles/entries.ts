/**
 * The reference daemon's list formats, shared by its environment variables
 * and its repeatable flags:
 *   - MCP servers, one entry a line (`MCP_SERVER_URL`, `MCP_COMMAND`) or one a
 *     flag: a bare URL or command for `main`, or `channel=…,url=…` /
 *     `channel=…,command=…` with the options of that kind of server.
 *   - Extra headers, `Key: Value` items separated by `,` or `;` in a variable,
 *     one a flag; a value may be an `env:` or `file:` reference.
 */
import { ConfigError } from './errors';
import type { RawProfile } from './yaml';

export type McpEntryKind = 'url' | 'command';

const QUALIFIED = /^(url|command|channel|unix-socket|http-proxy|client-cert|client-key)=/i;
const URL_KEYS: Record<string, string> = { channel: 'channel', url: 'url', 'http-proxy': 'proxy', 'client-cert': 'clientCert', 'client-key': 'clientKey' };

/** Splits a variable's value into entries: one a line, blank lines skipped. */
export function splitEntryLines(text: string): string[] {
  return text
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function entryError(field: string, problem: string, fix: string): ConfigError {
  return new ConfigError(field, problem, fix);
}

/** A stdio entry keeps every comma of its command: only a leading `channel=` or a trailing `,channel=` is split off. */
function commandEntry(entry: string, field: string): RawProfile {
  let channel: string | undefined;
  let command: string;
  if (/^channel=/i.test(entry)) {
    const comma = entry.indexOf(',');
    const rest = comma === -1 ? '' : entry.slice(comma + 1).trim();
    if (!/^command=/i.test(rest)) throw entryError(field, 'has a channel= entry without command=', 'Write it as channel=NAME,command=COMMAND LINE');
    channel = entry.slice('channel='.length, comma).trim();
    command = rest.slice('command='.length).trim();
  } else if (/^command=/i.test(entry)) {
    command = entry.slice('command='.length).trim();
    const at = command.toLowerCase().lastIndexOf(',channel=');
    if (at !== -1) {
      channel = command.slice(at + ',channel='.length).trim();
      command = command.slice(0, at).trim();
    }
  } else {
    throw entryError(field, 'has an entry that starts with neither channel= nor command=', 'Write it as channel=NAME,command=COMMAND LINE');
  }
  for (const key of ['url', 'http-proxy', 'unix-socket', 'client-cert', 'client-key']) {
    if (command.toLowerCase().includes(`,${key}=`)) throw entryError(field, `sets ${key} on a command entry`, `Remove ${key}=: it applies to server URL entries only`);
  }
  if (command === '') throw entryError(field, 'has an entry without a command', 'Write it as channel=NAME,command=COMMAND LINE');
  return { channel: channel === '' || channel === undefined ? 'main' : channel, command };
}

function urlEntry(entry: string, field: string): RawProfile {
  const server: RawProfile = {};
  for (const part of entry.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq === -1 ? '' : item.slice(0, eq).trim().toLowerCase();
    const val = eq === -1 ? '' : item.slice(eq + 1).trim();
    if (key === 'unix-socket') {
      throw entryError(field, 'asks to reach a server over a Unix socket, which this client cannot dial', 'Remove unix-socket= and point url= at a TCP listener of the server');
    }
    if (!(key in URL_KEYS)) throw entryError(field, `has "${key || item.slice(0, 40)}", which is not channel, url, http-proxy, client-cert or client-key`, 'Write entries as channel=NAME,url=URL');
    if (val === '') throw entryError(field, `has an empty ${key}=`, `Give ${key}= a value, or leave it out`);
    server[URL_KEYS[key]!] = val;
  }
  if (server.url === undefined) throw entryError(field, 'has an entry without url=', 'Write it as channel=NAME,url=URL');
  server.channel ??= 'main';
  return server;
}

/** Servers of a list of entries; `field` names the variable or flag in errors. */
export function parseMcpEntries(entries: readonly string[], kind: McpEntryKind, field: string): RawProfile[] {
  return entries.map((raw) => {
    const entry = raw.trim();
    if (!QUALIFIED.test(entry)) return kind === 'url' ? { channel: 'main', url: entry } : { channel: 'main', command: entry };
    return kind === 'url' ? urlEntry(entry, field) : commandEntry(entry, field);
  });
}

/** `Key: Value` items to a header record; `field` names the variable or flag in errors. */
export function parseHeaderItems(items: readonly string[], field: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of items) {
    const item = raw.trim();
    if (item === '') continue;
    const colon = item.indexOf(':');
    const name = colon === -1 ? '' : item.slice(0, colon).trim();
    const val = colon === -1 ? '' : item.slice(colon + 1).trim();
    if (name === '' || val === '') throw entryError(field, 'has a header that is not "Name: value"', 'Write each header as Name: value, e.g. X-Team: search');
    headers[name] = val;
  }
  return headers;
}

/** A variable's header list: items separated by `,` or `;`. */
export function splitHeaderList(text: string): string[] {
  return text.split(/[,;]/);
}
