/**
 * Codex's `~/.codex/config.toml`: its `[mcp_servers.NAME]` tables read into
 * `ImportedServer`s; other tables are ignored. Codex names environment
 * variables where VS Code writes `${env:NAME}` (env_vars, env_http_headers,
 * bearer_token_env_var), so those are turned into that spelling here.
 */
import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };
import { ConfigError } from '../errors';
import { ImportLog, isTable, reachableUrl, stdioServer, stringMap, textTable, type ImportedServer, type Table } from './entries';

// smol-toml ships ESM type declarations only; its CommonJS build is what require() loads here.
const { parse: parseToml, TomlError } = require('smol-toml') as typeof SmolToml;

/** Reads the `[mcp_servers.NAME]` tables of Codex's `config.toml`; other tables are ignored. */
export function parseCodexConfigToml(text: string, file: string): { servers: ImportedServer[]; warnings: string[] } {
  let root: Table;
  try {
    root = parseToml(text) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      // smol-toml's message ends with a code frame of the file; keep only its first line.
      throw new ConfigError(`line ${err.line}, column ${err.column}`, `is not valid TOML: ${err.message.split('\n')[0].replace(/^Invalid TOML document: /, '')}`, 'Fix the TOML syntax', {
        source: file,
      });
    }
    throw err;
  }
  const log = new ImportLog((name) => `${file}: [mcp_servers.${name}]`);
  const servers: ImportedServer[] = [];
  const tables = root.mcp_servers;
  if (tables !== undefined && !isTable(tables)) {
    log.warnings.push(`${file}: mcp_servers is not a table of servers; no server was imported`);
    return { servers, warnings: log.warnings };
  }
  for (const [name, entry] of Object.entries(tables ?? {})) {
    const server = codexServer(name, entry, log);
    if (server) servers.push(server);
  }
  return { servers, warnings: log.warnings };
}

function codexServer(name: string, entry: unknown, log: ImportLog): ImportedServer | undefined {
  if (!isTable(entry)) {
    log.skip(name, 'is not a table; skipped');
    return undefined;
  }
  const hasCommand = entry.command !== undefined;
  const hasUrl = entry.url !== undefined;
  if (hasCommand && hasUrl) {
    log.skip(name, 'sets both command and url; skipped');
    return undefined;
  }
  if (!hasCommand && !hasUrl) {
    log.skip(name, 'has neither a command nor a url; skipped');
    return undefined;
  }

  const server = hasCommand ? codexStdio(name, entry, log) : codexHttp(name, entry, log);
  if (!server) return undefined;
  if (entry.enabled === false) {
    server.disabled = true;
    log.note(name, 'is disabled in Codex (enabled = false); imported, marked disabled');
  }
  return server;
}

function codexStdio(name: string, entry: Table, log: ImportLog): ImportedServer | undefined {
  const server = stdioServer(name, entry, 'codex', 'has a command that is not text; skipped', log);
  if (!server) return undefined;
  const env: Record<string, string> = { ...textTable(entry.env, true, 'has an env that is not a table', 'has env values that are not text', name, log) };
  if (entry.env_vars !== undefined) {
    const names = Array.isArray(entry.env_vars) ? entry.env_vars : [];
    if (!Array.isArray(entry.env_vars)) log.note(name, 'has env_vars that is not a list of variable names; ignored');
    for (const variable of names) {
      if (typeof variable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
        log.note(name, 'has an env_vars entry that is not a variable name; ignored');
        continue;
      }
      // Forwarded from the tunnel's environment when it starts; an explicit env value wins.
      env[variable] ??= `\${env:${variable}}`;
    }
  }
  if (Object.keys(env).length > 0) server.env = env;
  return server;
}

function codexHttp(name: string, entry: Table, log: ImportLog): ImportedServer | undefined {
  const url = reachableUrl(name, entry.url, 'has a url that is not text; skipped', log);
  if (url === undefined) return undefined;
  const server: ImportedServer = { name, kind: 'http', url, source: 'codex' };
  const headers: Record<string, string> = {
    ...textTable(entry.http_headers, true, 'has http_headers that is not a table', 'has http_headers values that are not text', name, log),
  };
  if (entry.env_http_headers !== undefined) {
    const table = stringMap(entry.env_http_headers, false);
    if (!table) log.note(name, 'has env_http_headers that is not a table; ignored');
    for (const [header, variable] of Object.entries(table?.map ?? {})) headers[header] = `\${env:${variable}}`;
  }
  if (entry.bearer_token_env_var !== undefined) {
    if (typeof entry.bearer_token_env_var === 'string' && entry.bearer_token_env_var !== '') {
      for (const header of Object.keys(headers)) if (header.toLowerCase() === 'authorization') delete headers[header];
      headers.Authorization = `Bearer \${env:${entry.bearer_token_env_var}}`;
    } else {
      log.note(name, 'has a bearer_token_env_var that is not a variable name; ignored');
    }
  }
  if (Object.keys(headers).length > 0) server.headers = headers;
  return server;
}
