/**
 * A profile's `{ mcpServer: NAME }` entry, resolved when its tunnel starts:
 * the named server of `.vscode/mcp.json` is read, its variables substituted
 * and mapped onto the profile, and every reason it cannot be is said in the
 * profile's and the file's terms. Its own file because it joins the VS Code
 * reader, the variables and the profile mapping, and only runs at start.
 */
import { ConfigError, formatPath, fromZod } from '../errors';
import { isSecretReference, TunnelProfileSchema, type TunnelProfile } from '../schema';
import { toProfileServer } from './profileServer';
import { substituteServer, type VariableResolver } from './variables';
import { parseVsCode, type McpInput } from './vscode';

export interface McpReferenceResolver extends VariableResolver {
  /** Names the mcp.json in messages; defaults to `.vscode/mcp.json`. */
  file?: string;
  /** Warnings about the referenced servers (legacy SSE, …) are appended here. */
  warnings?: string[];
}

const DEFAULT_MCP_JSON = '.vscode/mcp.json';

/** Why a variable has no value, as a clause after "whose", and what to do. */
function describeMissing(variable: string, file: string, inputs: readonly McpInput[]): { clause: string; fix: string } {
  if (variable.startsWith('input:')) {
    const id = variable.slice(6);
    return inputs.some((i) => i.id === id)
      ? { clause: `\${input:${id}} has no value`, fix: `Enter a value for "${id}" when MCP Tunnel asks, or replace \${input:${id}} in ${file} with \${env:NAME}` }
      : { clause: `\${input:${id}} is not declared in the inputs of ${file}`, fix: `Add an input with "id": "${id}" to ${file}, or replace the variable` };
  }
  if (variable.startsWith('env:')) {
    const name = variable.slice(4);
    return { clause: `\${env:${name}} is not set`, fix: `Export ${name} in the environment VS Code was started from, or replace the variable in ${file}` };
  }
  if (variable === 'workspaceFolder' || variable === 'workspaceFolderBasename') {
    return { clause: `\${${variable}} needs an open workspace folder`, fix: `Open the folder that holds ${file}` };
  }
  return { clause: `\${${variable}} is a variable MCP Tunnel cannot resolve`, fix: `Replace it in ${file} with a literal value or \${env:NAME}` };
}

/**
 * Replaces every `{ mcpServer: NAME }` entry of a profile with that server
 * of mcp.json, inline, its variables substituted (a stdio server's cwd
 * defaults to the workspace folder, as in VS Code). The result is validated
 * again; it lives in memory only, as it may now hold input values.
 */
export function resolveMcpServerReference(profile: TunnelProfile, mcpJsonText: string, resolver: McpReferenceResolver): TunnelProfile {
  if (!profile.mcp.servers.some((s) => s.mcpServer !== undefined)) return profile;
  const file = resolver.file ?? DEFAULT_MCP_JSON;
  const parsed = parseVsCode(mcpJsonText, file);
  const byName = new Map(parsed.servers.map((s) => [s.name, s]));
  const origins = new Map<number, string>();

  const servers = profile.mcp.servers.map((entry, index) => {
    const reference = entry.mcpServer;
    if (reference === undefined) return entry;
    const field = formatPath(['mcp', 'servers', index, 'mcpServer']);
    const imported = byName.get(reference);
    if (!imported) {
      const skipped = parsed.log.skipped.get(reference);
      if (skipped !== undefined) {
        throw new ConfigError(field, `names the server "${reference}" of ${file}, which ${skipped}`, `Fix it in ${file}, or put a command or url in the profile instead`);
      }
      const names = parsed.servers.map((s) => s.name);
      throw new ConfigError(
        field,
        `names the server "${reference}", which ${file} does not define`,
        names.length > 0 ? `Use one of: ${names.join(', ')}` : `Add it under "servers" in ${file}, or put a command or url in the profile instead`,
      );
    }
    const { server, missing } = substituteServer(imported, resolver);
    if (missing.length > 0) {
      const [first, ...rest] = missing.map((variable) => {
        const { clause, fix } = describeMissing(variable, file, parsed.inputs);
        return new ConfigError(field, `names the server "${reference}", whose ${clause}`, fix);
      });
      throw new ConfigError(first.field, first.problem, first.fix, { related: rest });
    }
    for (const [header, value] of Object.entries(server.headers ?? {})) {
      // mcp.json values are literal: one that reads like a profile reference would be fetched from env or disk.
      if (isSecretReference(value)) {
        throw new ConfigError(field, `names the server "${reference}", whose header ${header} starts with env:, file: or secret:`, `Write the value in ${file} as \${env:NAME} or \${input:ID} instead`);
      }
    }
    if (server.kind === 'stdio' && server.cwd === undefined && resolver.workspaceFolder !== undefined) server.cwd = resolver.workspaceFolder;
    resolver.warnings?.push(...(parsed.log.byServer.get(reference) ?? []));
    origins.set(index, reference);
    // How sessions share the server is the profile's to say, not mcp.json's.
    const { sessionMode, maxSessions, sessionIdleTimeout } = entry;
    return {
      ...toProfileServer(server, { channel: entry.channel }),
      ...(sessionMode !== undefined ? { sessionMode } : {}),
      ...(maxSessions !== undefined ? { maxSessions } : {}),
      ...(sessionIdleTimeout !== undefined ? { sessionIdleTimeout } : {}),
    };
  });

  const result = TunnelProfileSchema.safeParse({ ...profile, mcp: { ...profile.mcp, servers } }, { reportInput: true });
  if (!result.success) {
    const name = (p: readonly PropertyKey[]): string => {
      const reference = p[0] === 'mcp' && p[1] === 'servers' && typeof p[2] === 'number' ? origins.get(p[2]) : undefined;
      return reference !== undefined ? `servers.${reference}${p.length > 3 ? `.${formatPath(p.slice(3))}` : ''}` : formatPath(p);
    };
    const locate = (p: readonly PropertyKey[]) => (p[0] === 'mcp' && p[1] === 'servers' && typeof p[2] === 'number' && origins.has(p[2]) ? file : undefined);
    throw fromZod(result.error, { kind: 'settings', name, locate, schema: TunnelProfileSchema });
  }
  return result.data;
}
