/**
 * Where the bundled sample MCP server is (`dist/sample-server.js`) and the
 * command line that starts it, for `demo` and `run --embedded-mcp-stub`.
 * Its own module so `run` finds it without loading the demo's MCP client.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The sample server sits beside the bundled CLI; from sources it is built into dist/. */
export function sampleServerPath(): string {
  for (const candidate of [join(__dirname, 'sample-server.js'), join(__dirname, '..', '..', 'dist', 'sample-server.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('the bundled sample server is missing: run "npm run build" first');
}

/** An argument as a POSIX shell (and the MCP command splitter) reads it back: quoted only when it must be. */
export function quoteArg(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The MCP command that runs the sample server with this Node. */
export function sampleServerCommand(): string {
  return `${quoteArg(process.execPath)} ${quoteArg(sampleServerPath())}`;
}
