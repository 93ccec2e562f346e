/**
 * `mcp-tunnel demo`: a loopback tunnel to the bundled sample MCP server, then
 * one real MCP session through the front door, so a new user sees the whole
 * path work in one command.
 */
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CLIENT_VERSION } from '../version';
import { startLoopback, untilReady, type Loopback, type LoopbackInfo } from './loopback';
import { sampleServerCommand } from './sampleServer';
import type { Logger } from '../engine/log';

export async function sampleCall(info: LoopbackInfo): Promise<string[]> {
  // The front-door token is in mcp_url's path: the client sends nothing else.
  const client = new Client({ name: 'mcp-tunnel-demo', version: CLIENT_VERSION });
  const transport = new StreamableHTTPClientTransport(new URL(info.mcp_url));
  const lines: string[] = [];
  await client.connect(transport);
  try {
    const tools = await client.listTools();
    lines.push(`tools/list  → ${tools.tools.map((t) => t.name).join(', ')}`);
    const started = performance.now();
    const result = await client.callTool({ name: 'echo', arguments: { message: 'hello through the tunnel' } });
    const ms = (performance.now() - started).toFixed(1);
    const text = (result.content as { type: string; text?: string }[]).find((c) => c.type === 'text')?.text;
    lines.push(`tools/call echo {"message":"hello through the tunnel"} → ${JSON.stringify(text)} (${ms} ms)`);
    const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    lines.push(`tools/call add {"a":2,"b":40} → ${JSON.stringify(sum.structuredContent)}`);
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
  return lines;
}

export async function runDemo(options: { once: boolean; logger: Logger; listen: string; healthListen: string }): Promise<Loopback> {
  const loopback = await startLoopback({
    mcpCommand: sampleServerCommand(),
    listen: options.listen,
    frontDoorAuth: 'bearer',
    healthListen: options.healthListen,
    logger: options.logger,
  });
  await untilReady(loopback);
  const { info } = loopback;
  const out = [
    '',
    'MCP Tunnel demo: a loopback tunnel to the bundled sample MCP server',
    `  MCP URL (Streamable HTTP): ${info.mcp_url}`,
    `  Front-door token:          ${info.front_door_token ?? '(none)'}`,
    `  Health:                    ${info.health_url}/readyz   metrics: ${info.health_url}/metrics`,
    '',
    'Sample session through the tunnel (MCP SDK client → relay → long-poll → engine → stdio server):',
  ];
  try {
    for (const line of await sampleCall(info)) out.push(`  ${line}`);
  } catch (err) {
    await loopback.stop();
    throw err;
  }
  out.push('');
  if (!options.once) {
    out.push(
      info.front_door_token === undefined
        ? 'Point any MCP client at the URL above.'
        : 'Point any MCP client at the URL above: the front-door token is its last path segment, so there is nothing else to send.',
      'Press Ctrl+C to stop.',
      '',
    );
  }
  process.stdout.write(out.join('\n') + '\n');
  return loopback;
}
