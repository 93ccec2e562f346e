/**
 * A small stdio MCP server bundled with MCP Tunnel, so the demo and the
 * getting-started walkthrough work without installing anything else.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { CLIENT_VERSION } from '../version';

const server = new McpServer({ name: 'mcp-tunnel-sample', version: CLIENT_VERSION });

server.registerTool(
  'echo',
  { title: 'Echo', description: 'Returns the message it is given.', inputSchema: { message: z.string().describe('Text to send back') } },
  async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
);

server.registerTool(
  'add',
  {
    title: 'Add',
    description: 'Adds two numbers.',
    inputSchema: { a: z.number().describe('First number'), b: z.number().describe('Second number') },
    outputSchema: { sum: z.number() },
  },
  async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
);

server.registerTool(
  'countdown',
  {
    title: 'Countdown',
    description: 'Counts down, reporting progress each step (for watching notifications travel through the tunnel).',
    inputSchema: { steps: z.number().int().min(1).max(50).default(5), stepMs: z.number().int().min(0).max(5000).default(200) },
  },
  async ({ steps, stepMs }, extra) => {
    const token = extra._meta?.progressToken;
    for (let i = 1; i <= steps; i++) {
      await new Promise((resolve) => setTimeout(resolve, stepMs));
      if (token !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i} of ${steps}` } });
      }
    }
    return { content: [{ type: 'text', text: `Counted down ${steps} steps.` }] };
  },
);

server.registerResource(
  'readme',
  'sample://readme',
  { title: 'About this server', mimeType: 'text/markdown' },
  async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: '# MCP Tunnel sample server\n\nTools: echo, add, countdown.\n' }] }),
);

server.registerPrompt(
  'greet',
  { title: 'Greet', description: 'A greeting prompt.', argsSchema: { name: z.string() } },
  ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}.` } }] }),
);

void server.connect(new StdioServerTransport());
