/**
 * The one mapping from an imported server, whichever file it came from, onto
 * a profile's `mcp.servers[]` entry: used when the editor adds a profile from
 * mcp.json or config.toml, and when a `{ mcpServer }` reference is resolved.
 */
import type { McpServerInput } from '../schema';
import type { ImportedServer } from './entries';

/** An executable path as one word of a profile command line (which is split like sh, without a shell). */
function quoteCommandWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The profile `mcp.servers[]` entry for an imported server. The executable is
 * quoted so a path with spaces stays one word; a header that is exactly
 * `${env:NAME}` becomes the profile reference `env:NAME`. Other variables are
 * kept: `${env:NAME}` inside header and env values is expanded when the tunnel
 * starts, while `${workspaceFolder}` or `${input:ID}` need `substituteServer`
 * first (or a `{ mcpServer }` reference, which resolves them at start).
 */
export function toProfileServer(imported: ImportedServer, options: { channel?: string } = {}): McpServerInput {
  const entry: McpServerInput = options.channel !== undefined ? { channel: options.channel } : {};
  if (imported.kind === 'stdio') {
    entry.command = quoteCommandWord(imported.command ?? '');
    if (imported.args && imported.args.length > 0) entry.args = [...imported.args];
    if (imported.cwd !== undefined) entry.cwd = imported.cwd;
    if (imported.env && Object.keys(imported.env).length > 0) entry.env = { ...imported.env };
    if (imported.envFile !== undefined) entry.envFile = imported.envFile;
  } else {
    entry.url = imported.url;
    if (imported.headers && Object.keys(imported.headers).length > 0) {
      entry.headers = Object.fromEntries(
        Object.entries(imported.headers).map(([header, value]) => {
          const only = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
          return [header, only ? `env:${only[1]}` : value];
        }),
      );
    }
  }
  return entry;
}
