/**
 * VS Code's `.vscode/mcp.json` (JSON with comments: `servers` + `inputs`),
 * read into `ImportedServer`s. Kept apart from the Codex reader because the
 * two formats differ in syntax, key names and what they may hold; only the
 * entry readers in `entries.ts` are shared.
 */
import * as path from 'node:path';
// The ESM build: esbuild cannot follow the requires inside jsonc-parser's UMD main, so bundles would fail at load.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { ConfigError } from '../errors';
import { ImportLog, isTable, reachableUrl, stdioServer, textTable, type ImportedServer } from './entries';

/** One entry of mcp.json `inputs`: a value VS Code asks for when a server starts. */
export interface McpInput {
  type: 'promptString' | 'pickString' | 'command';
  id: string;
  description?: string;
  /** The value is a secret: keep it in SecretStorage, never in settings. */
  password?: boolean;
  default?: string;
  /** pickString choices. */
  options?: Array<string | { label?: string; value: string }>;
  /** For type `command`: the VS Code command that produces the value, and its args. */
  command?: string;
  args?: unknown;
}

export interface VsCodeMcpConfig {
  servers: ImportedServer[];
  inputs: McpInput[];
  warnings: string[];
}

/** The parse with its log, for a reference to one server that reports only what concerns it. */
export interface ParsedVsCode extends VsCodeMcpConfig {
  log: ImportLog;
}

const INPUT_TYPES: ReadonlySet<string> = new Set(['promptString', 'pickString', 'command']);

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

export function parseVsCode(text: string, file: string): ParsedVsCode {
  const errors: ParseError[] = [];
  const root: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  if (errors.length > 0) {
    const [first, ...rest] = errors.map((e) => {
      const { line, col } = lineAndColumn(text, e.offset);
      return new ConfigError(`line ${line}, column ${col}`, `is not valid JSON: ${printParseErrorCode(e.error)}`, 'Fix the JSON syntax; comments and trailing commas are fine', {
        source: file,
      });
    });
    throw new ConfigError(first.field, first.problem, first.fix, { source: file, related: rest });
  }
  const log = new ImportLog((name) => `${file}: server "${name}"`);
  const result: ParsedVsCode = { servers: [], inputs: [], warnings: log.warnings, log };
  if (root === undefined) return result;
  if (!isTable(root)) {
    throw new ConfigError(path.basename(file), 'is not an MCP configuration', 'Write an object with "servers": { "name": { "command": … } }', { source: file });
  }

  let servers = root.servers;
  if (servers === undefined && isTable(root.mcpServers)) {
    servers = root.mcpServers;
    log.warnings.push(`${file}: uses "mcpServers" (the Claude Desktop spelling); read as "servers", which is what VS Code reads`);
  }
  if (servers !== undefined && !isTable(servers)) {
    log.warnings.push(`${file}: "servers" is not an object of named servers; no server was imported`);
  } else {
    for (const [name, entry] of Object.entries(servers ?? {})) {
      const server = vsCodeServer(name, entry, log);
      if (server) result.servers.push(server);
    }
  }

  if (root.inputs !== undefined && !Array.isArray(root.inputs)) {
    log.warnings.push(`${file}: "inputs" is not a list; ignored`);
  }
  for (const [index, entry] of (Array.isArray(root.inputs) ? root.inputs : []).entries()) {
    const input = vsCodeInput(entry);
    if (input) result.inputs.push(input);
    else log.warnings.push(`${file}: inputs[${index}] needs a string "id" and a type of promptString, pickString or command; ignored`);
  }
  return result;
}

function vsCodeServer(name: string, entry: unknown, log: ImportLog): ImportedServer | undefined {
  if (!isTable(entry)) {
    log.skip(name, 'is not an object; skipped');
    return undefined;
  }
  const type = entry.type;
  const kind =
    type === 'stdio' || (type === undefined && entry.command !== undefined)
      ? 'stdio'
      : type === 'http' || type === 'sse' || (type === undefined && entry.url !== undefined)
        ? 'http'
        : undefined;
  if (kind === undefined) {
    log.skip(name, type === undefined ? 'has neither a command nor a url; skipped' : `has the unknown type ${JSON.stringify(type)}; skipped`);
    return undefined;
  }

  if (kind === 'stdio') {
    const server = stdioServer(name, entry, 'vscode', 'is a stdio server without a command; skipped', log);
    if (!server) return undefined;
    if (typeof entry.envFile === 'string' && entry.envFile !== '') server.envFile = entry.envFile;
    const env = textTable(entry.env, false, 'has an env that is not an object', 'has env values that are not text or numbers', name, log);
    if (env) server.env = env;
    return server;
  }

  const url = reachableUrl(name, entry.url, 'is a remote server without a url; skipped', log);
  if (url === undefined) return undefined;
  if (type === 'sse') {
    log.note(name, 'uses SSE, the legacy MCP HTTP transport; imported as a Streamable HTTP url, so check that the server also answers Streamable HTTP there');
  }
  const server: ImportedServer = { name, kind, url, source: 'vscode' };
  const headers = textTable(entry.headers, false, 'has headers that are not an object', 'has header values that are not text', name, log);
  if (headers) server.headers = headers;
  return server;
}

function vsCodeInput(entry: unknown): McpInput | undefined {
  if (!isTable(entry) || typeof entry.id !== 'string' || entry.id === '' || typeof entry.type !== 'string' || !INPUT_TYPES.has(entry.type)) {
    return undefined;
  }
  const input: McpInput = { type: entry.type as McpInput['type'], id: entry.id };
  if (typeof entry.description === 'string') input.description = entry.description;
  if (typeof entry.password === 'boolean') input.password = entry.password;
  if (typeof entry.default === 'string') input.default = entry.default;
  if (Array.isArray(entry.options)) {
    input.options = entry.options.flatMap((o): Array<string | { label?: string; value: string }> => {
      if (typeof o === 'string') return [o];
      if (isTable(o) && typeof o.value === 'string') return [typeof o.label === 'string' ? { label: o.label, value: o.value } : { value: o.value }];
      return [];
    });
  }
  if (typeof entry.command === 'string') input.command = entry.command;
  if (entry.args !== undefined) input.args = entry.args;
  return input;
}

/** Reads VS Code's `mcp.json`. Throws ConfigError only for a file that is not JSON (with comments) or not an object. */
export function parseVsCodeMcpJson(text: string, file: string): VsCodeMcpConfig {
  const { servers, inputs, warnings } = parseVsCode(text, file);
  return { servers, inputs, warnings };
}
