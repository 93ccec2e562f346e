/**
 * An MCP server that runs its own tunnel: an SDK `McpServer` with one tool,
 * connected through the SDK's in-memory transport pair to `startTunnel`, in
 * one Node process. No child process, no port.
 *
 *   mcp-tunnel relay --front-door-auth none --print-json   # in another terminal: tunnel_id, api_key, control_plane_base_url, mcp_url
 *   CONTROL_PLANE_TUNNEL_ID=tunnel_… CONTROL_PLANE_API_KEY=… CONTROL_PLANE_BASE_URL=http://127.0.0.1:PORT \
 *     npx tsx examples/embedded-server.ts
 *
 * Against the hosted control plane, leave CONTROL_PLANE_BASE_URL unset. An MCP
 * client calls `echo` through the relay's MCP URL; Ctrl+C stops the tunnel.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { z } from 'zod';
import { startTunnel } from 'mcp-tunnel/embed';

async function main(): Promise<void> {
  const server = new McpServer({ name: 'embedded-echo', version: '1.0.0' });
  server.registerTool('echo', { description: 'Returns the message it was given.', inputSchema: { message: z.string() } }, async ({ message }) => ({
    content: [{ type: 'text', text: `Echo: ${message}` }],
  }));

  const [tunnelSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);

  const tunnel = startTunnel(
    {
      tunnelId: process.env.CONTROL_PLANE_TUNNEL_ID ?? '',
      apiKey: process.env.CONTROL_PLANE_API_KEY ?? '',
      controlPlaneUrl: process.env.CONTROL_PLANE_BASE_URL || undefined,
    },
    tunnelSide,
  );
  tunnel.on('status', (status) => console.error(`tunnel ${status.state}: ${status.reason}`));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await tunnel.stop();
    await server.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  await tunnel.waitReady(30_000);
  console.error(`serving echo through tunnel ${tunnel.tunnelId}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
