/**
 * Checks `mcp:CHANNEL`, one per MCP server of the profile: a command can be
 * started (its program is found as the tunnel would find it, without a
 * shell), a URL accepts connections (through the MCP proxy when one is set).
 */
import { splitCommand } from '../../engine/mcp/argv';
import { isSecretReference } from '../../profiles/schema';
import type { Env } from '../../profiles/secrets';
import { at, isPlainObject, type DoctorInputs, type Path } from '../inputs';
import { findExecutable, probeTcp } from '../probes';
import type { DoctorCheck } from '../report';

/** A URL as it may be shown: no credentials, query or fragment. */
function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export async function mcpServers({ raw, describeField, env, timeoutMs }: DoctorInputs): Promise<DoctorCheck[]> {
  const servers = at(raw, ['mcp', 'servers']);
  const proxyRef = at(raw, ['mcp', 'proxy']);
  const checks: DoctorCheck[] = [];
  if (!Array.isArray(servers)) return checks;
  const seenIds = new Set<string>();
  for (const [index, server] of servers.entries()) {
    if (!isPlainObject(server)) continue;
    const channel = typeof server.channel === 'string' ? server.channel : 'main';
    let id = `mcp:${channel}`;
    if (seenIds.has(id)) id = `${id}#${index}`;
    seenIds.add(id);
    const p: Path = ['mcp', 'servers', index];
    // The reference daemon checks the main channel only; other channels get the channel after its ids.
    const suffix = channel === 'main' ? '' : `:${channel}`;
    if (typeof server.command === 'string') {
      const check = await checkCommand(id, channel, server.command, typeof server.cwd === 'string' ? server.cwd : undefined, describeField([...p, 'command']), env);
      checks.push({ ...check, referenceId: `mcp_command_executable${suffix}` });
    } else if (typeof server.url === 'string') {
      const check = await checkUrl(id, channel, server.url, typeof proxyRef === 'string' ? proxyRef : undefined, describeField([...p, 'url']), env, timeoutMs);
      checks.push({ ...check, referenceId: `mcp_server_reachable${suffix}` });
    }
  }
  return checks;
}

async function checkCommand(id: string, channel: string, command: string, cwd: string | undefined, field: string, env: Env): Promise<DoctorCheck> {
  const title = `MCP command for channel "${channel}" can be started`;
  let argv: string[];
  try {
    argv = splitCommand(command);
  } catch (err) {
    return { id, title, status: 'fail', detail: `${field}: ${(err as Error).message}`, fix: 'Fix the quoting of the command' };
  }
  const program = argv[0];
  const found = await findExecutable(program, { pathEnv: env.PATH ?? env.Path, pathExt: env.PATHEXT, cwd });
  if (found) return { id, title, status: 'ok', detail: `${program} → ${found}` };
  const isPath = program.includes('/') || program.includes('\\');
  return {
    id,
    title,
    status: 'fail',
    detail: isPath ? `${program} does not exist or is not executable` : `${program} was not found on PATH`,
    why: 'The tunnel starts the MCP server as a child process without a shell, so the program must be on PATH or given by its full path.',
    fix: isPath ? `Check the path in ${field} and make the file executable` : `Install ${program}, add its directory to PATH, or write its full path in ${field}`,
  };
}

async function checkUrl(
  id: string,
  channel: string,
  value: string,
  proxyRef: string | undefined,
  field: string,
  env: Env,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const title = `MCP server for channel "${channel}" is reachable`;
  const why = 'Every MCP request from the hosted agent is forwarded from this machine to this URL.';
  let url: URL;
  try {
    url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return { id, title, status: 'fail', detail: `${field} is not an http:// or https:// URL`, why, fix: 'Write the full Streamable HTTP endpoint, e.g. https://mcp.internal/mcp' };
  }
  let target = url;
  let via = '';
  if (proxyRef !== undefined) {
    const proxyValue = proxyRef.startsWith('env:') ? env[proxyRef.slice(4)] : isSecretReference(proxyRef) ? undefined : proxyRef;
    try {
      if (proxyValue) {
        target = new URL(proxyValue);
        via = ` through the proxy ${target.host}`;
      }
    } catch {
      // the configuration check reports a malformed proxy
    }
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const result = await probeTcp(host, port, timeoutMs);
  if (result.ok) return { id, title, status: 'ok', detail: `${displayUrl(url)} accepts connections${via}` };
  const reason =
    result.code === 'ENOTFOUND' || result.code === 'EAI_AGAIN'
      ? `cannot resolve ${host}`
      : result.code === 'ECONNREFUSED'
        ? `nothing is listening on ${target.host}`
        : result.code === 'ETIMEDOUT'
          ? `no answer from ${target.host} within ${timeoutMs} ms`
          : `cannot connect to ${target.host} (${result.code})`;
  return {
    id,
    title,
    status: 'fail',
    detail: `${displayUrl(url)}: ${reason}${via}`,
    why,
    fix: 'Start the MCP server, check the URL, and check DNS and firewalls between this machine and the server',
  };
}
