// The shortest Streamable HTTP MCP path the benchmark's client can talk to:
// the SDK's McpServer with one `echo` tool, answered in the server process
// itself (no stdio hop, no relay), one stateless transport per request,
// JSON responses. What the client spends against it is the client's own cost
// of one call over HTTP on this machine.
//
// usage: node bench/http-echo-server.cjs <port>
'use strict';
const http = require('node:http');
const path = require('node:path');
const sdk = path.join(__dirname, '..', 'node_modules', '@modelcontextprotocol', 'sdk', 'dist', 'cjs', 'server');
const { McpServer } = require(path.join(sdk, 'mcp.js'));
const { StreamableHTTPServerTransport } = require(path.join(sdk, 'streamableHttp.js'));
const { z } = require(path.join(__dirname, '..', 'node_modules', 'zod'));

function newServer() {
  const server = new McpServer({ name: 'http-echo-floor', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { message: z.string() } }, ({ message }) => ({ content: [{ type: 'text', text: `Echo: ${message}` }] }));
  return server;
}

const port = Number(process.argv[2]);
http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const server = newServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => void server.close());
      await server.connect(transport);
      const text = Buffer.concat(chunks).toString('utf8');
      await transport.handleRequest(req, res, text ? JSON.parse(text) : undefined);
    });
  })
  .listen(port, '127.0.0.1');
