/**
 * VS Code's `${…}` variables in an imported server's values. They are kept
 * as written when a server is imported and substituted only when a tunnel
 * starts, so an `${input:ID}` answer or an env value never lands in settings.
 */
import * as path from 'node:path';
import type { ImportedServer } from './entries';

export interface VariableResolver {
  /** `${workspaceFolder}`; left unresolved when no folder is open. */
  workspaceFolder?: string;
  userHome: string;
  env: Record<string, string | undefined>;
  /** The value of `${input:id}`, or undefined when there is none. */
  input?: (id: string) => string | undefined;
}

const VARIABLE = /\$\{([^{}]*)\}/g;

/**
 * Substitutes VS Code's variables in one value: `${workspaceFolder}`,
 * `${workspaceFolderBasename}`, `${userHome}`, `${pathSeparator}` (`${/}`),
 * `${env:NAME}` and `${input:ID}`. A variable without a value (an unset env
 * var, an input nobody answered, an unknown variable) is left as written and
 * listed in `missing` (as `env:NAME`, `input:ID`, …).
 */
export function substituteVariables(value: string, resolver: VariableResolver): { value: string; missing: string[] } {
  const missing: string[] = [];
  const out = value.replace(VARIABLE, (match, variable: string) => {
    let found: string | undefined;
    if (variable === 'workspaceFolder') found = resolver.workspaceFolder;
    else if (variable === 'workspaceFolderBasename') found = resolver.workspaceFolder !== undefined ? path.basename(resolver.workspaceFolder) : undefined;
    else if (variable === 'userHome') found = resolver.userHome;
    else if (variable === 'pathSeparator' || variable === '/') found = path.sep;
    else if (variable.startsWith('env:')) found = resolver.env[variable.slice(4)];
    else if (variable.startsWith('input:')) found = resolver.input?.(variable.slice(6));
    if (found === undefined) {
      if (!missing.includes(variable)) missing.push(variable);
      return match;
    }
    return found;
  });
  return { value: out, missing };
}

/** Every field of a server through `substituteVariables`; `missing` lists each unresolved variable once. */
export function substituteServer(server: ImportedServer, resolver: VariableResolver): { server: ImportedServer; missing: string[] } {
  const missing: string[] = [];
  const sub = (value: string): string => {
    const result = substituteVariables(value, resolver);
    for (const m of result.missing) if (!missing.includes(m)) missing.push(m);
    return result.value;
  };
  const subMap = (map: Record<string, string>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, sub(v)]));
  const out: ImportedServer = { ...server };
  if (server.command !== undefined) out.command = sub(server.command);
  if (server.args !== undefined) out.args = server.args.map(sub);
  if (server.cwd !== undefined) out.cwd = sub(server.cwd);
  if (server.env !== undefined) out.env = subMap(server.env);
  if (server.envFile !== undefined) out.envFile = sub(server.envFile);
  if (server.url !== undefined) out.url = sub(server.url);
  if (server.headers !== undefined) out.headers = subMap(server.headers);
  return { server: out, missing };
}

/** The `${input:ID}` ids a server uses, in order of appearance, so the editor knows what to ask for. */
export function inputIds(server: ImportedServer): string[] {
  const values = [
    server.command,
    ...(server.args ?? []),
    server.cwd,
    ...Object.values(server.env ?? {}),
    server.envFile,
    server.url,
    ...Object.values(server.headers ?? {}),
  ];
  const ids: string[] = [];
  for (const value of values) {
    for (const match of (value ?? '').matchAll(VARIABLE)) {
      const variable = match[1];
      if (variable.startsWith('input:') && !ids.includes(variable.slice(6))) ids.push(variable.slice(6));
    }
  }
  return ids;
}
