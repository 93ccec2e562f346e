/**
 * The profile name Add Profile… suggests, from the server it serves: the
 * server's own name in `.vscode/mcp.json` or Codex's config, else the npm
 * package or script a command runs, else the host of a URL. Never from
 * inline code (`node -e "…"`), which names nothing. Free of the editor API.
 */
import { splitCommand } from '../engine/mcp/argv';
import { PROFILE_NAME_PATTERN } from '../profiles/schema';

export const FALLBACK_NAME = 'my-server';

/** Runners whose first non-option argument is a package to fetch and run. */
const PACKAGE_RUNNERS = new Set(['npx', 'bunx', 'pnpx', 'uvx', 'pipx']);
/** Runners of the form `RUNNER SUBCOMMAND PACKAGE` (`pnpm dlx`, `npm exec`, `yarn dlx`, `pipx run`). */
const PACKAGE_SUBCOMMANDS: Record<string, Set<string>> = {
  pnpm: new Set(['dlx', 'exec']),
  npm: new Set(['exec', 'x']),
  yarn: new Set(['dlx']),
  pipx: new Set(['run']),
  uv: new Set(['run']),
};
/** Interpreters whose first non-option argument is a script. */
const INTERPRETERS = /^(node|nodejs|bun|deno|tsx|ts-node|python\d*(\.\d+)?|py|ruby|php|perl)$/;
/** Options after which an interpreter runs inline code, not a file. */
const INLINE_CODE = new Set(['-e', '--eval', '-p', '--print', '-c', '-r', '--command']);
/** Options of npx and its kind that take a value, so the value is not the package. */
const OPTIONS_WITH_VALUE = new Set(['-p', '--package', '-c', '--call', '--from', '--with', '--python', '--node-options', '-r', '--require', '--import', '--loader']);
/** Script names that say nothing; their folder names the server instead. */
const GENERIC_SCRIPTS = new Set(['index', 'main', 'server', 'cli', 'app', 'start', 'run', 'mod', '__main__']);
/** Folders that say nothing about what they hold. */
const GENERIC_FOLDERS = new Set(['dist', 'build', 'lib', 'src', 'bin', 'out', 'cjs', 'esm', 'node_modules', '.', '..', '']);

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? '';
}

/** `@scope/server-foo@1.2.3` → `server-foo`; `mcp-server-git==1.0` → `mcp-server-git`. */
function packageName(spec: string): string {
  const unscoped = spec.startsWith('@') ? spec.slice(spec.indexOf('/') + 1) : spec;
  return unscoped.split(/@|==|\[|>=|<=|~=/)[0] ?? unscoped;
}

/** A script path's name: `server.py` → `server`, and for `…/server-everything/dist/index.js` → `server-everything`. */
function scriptName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const file = (parts.pop() ?? '').replace(/\.(m?[jt]s|cjs|cts|py|rb|php|pl)$/, '');
  if (!GENERIC_SCRIPTS.has(file)) return file;
  for (let i = parts.length - 1; i >= 0; i--) if (!GENERIC_FOLDERS.has(parts[i]!)) return parts[i]!;
  return file;
}

/** The argument after the options: the first word that is not an option, skipping the values of options that take one. */
function firstOperand(args: string[]): { operand?: string; inline: boolean } {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return { operand: args[i + 1], inline: false };
    if (INLINE_CODE.has(arg)) return { inline: true };
    if (arg.startsWith('-')) {
      if (OPTIONS_WITH_VALUE.has(arg)) i++;
      continue;
    }
    return { operand: arg, inline: false };
  }
  return { inline: false };
}

/** The word that names what a command line runs, or undefined when it names nothing (inline code). */
export function nameFromCommand(argv: readonly string[]): string | undefined {
  const [exe, ...rest] = argv;
  if (!exe) return undefined;
  const program = baseName(exe).replace(/\.(exe|cmd|bat)$/i, '');
  const sub = PACKAGE_SUBCOMMANDS[program];
  if (sub && rest[0] && sub.has(rest[0])) {
    const { operand } = firstOperand(rest.slice(1));
    return operand ? packageName(operand) : undefined;
  }
  if (PACKAGE_RUNNERS.has(program)) {
    const { operand } = firstOperand(rest);
    return operand ? packageName(operand) : undefined;
  }
  if (INTERPRETERS.test(program)) {
    const { operand, inline } = firstOperand(rest);
    if (inline || !operand) return undefined;
    // `python -m package.module` runs a module: its first part names it.
    const module = rest[rest.indexOf(operand) - 1] === '-m';
    return module ? operand.split('.')[0] : scriptName(operand);
  }
  return program;
}

/** A URL's name: its host, with the port for a server on this machine (`localhost-3000`). */
export function nameFromUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const local = host === 'localhost' || host.startsWith('127.') || host === '::1';
    if (local) return u.port ? `localhost-${u.port}` : 'localhost';
    return host.split('.').find((label) => !/^(www|mcp|api)$/.test(label)) ?? host;
  } catch {
    return undefined;
  }
}

/** Made a valid profile name: other characters become dashes, at most 60 characters, starting with a letter or digit. */
export function toProfileName(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 60)
    .replace(/[-.]+$/, '');
  return PROFILE_NAME_PATTERN.test(cleaned) ? cleaned : '';
}

/** `base`, or `base-2`, `base-3`… when taken. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base.slice(0, 56)}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export interface NamedServer {
  /** The server's own name, in `.vscode/mcp.json` or Codex's `[mcp_servers.NAME]`. */
  name?: string;
  /** A command line as typed (split like a shell would), or an executable with `args`. */
  command?: string;
  args?: string[];
  url?: string;
}

/** The suggested name for a profile serving `server`, unique among `taken`. */
export function suggestProfileName(server: NamedServer, taken: ReadonlySet<string> = new Set()): string {
  let word: string | undefined = server.name;
  if (!word && server.command !== undefined) {
    let argv: string[];
    try {
      argv = server.args ? [server.command, ...server.args] : splitCommand(server.command);
    } catch {
      argv = [];
    }
    word = nameFromCommand(argv);
  }
  if (!word && server.url) word = nameFromUrl(server.url);
  return uniqueName(toProfileName(word ?? '') || FALLBACK_NAME, taken);
}
