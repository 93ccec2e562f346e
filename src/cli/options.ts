/**
 * The command line's options, parsed once by main.ts and read by each
 * command module; kept apart so a command imports its option types without
 * importing the entry point.
 */
import { parseArgs } from 'node:util';
import { isLogLevel, type LogLevel } from '../engine/log';
import { UsageError } from './output';
import { PROFILE_FLAG_OPTIONS } from './profileFlags';

const OPTIONS = {
  profile: { type: 'string' },
  'profile-file': { type: 'string' },
  'tunnel-id': { type: 'string' },
  'base-url': { type: 'string' },
  'mcp-command': { type: 'string' },
  'mcp-server-url': { type: 'string' },
  'health-listen': { type: 'string' },
  'health-url-file': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  listen: { type: 'string' },
  'front-door-auth': { type: 'string' },
  'print-json': { type: 'boolean' },
  // loopback: how remote sessions share a stdio server
  'session-mode': { type: 'string' },
  'max-sessions': { type: 'string' },
  'session-idle-timeout': { type: 'string' },
  explain: { type: 'boolean' },
  json: { type: 'boolean' },
  sample: { type: 'string' },
  dir: { type: 'string' },
  force: { type: 'boolean' },
  once: { type: 'boolean' },
  'api-key': { type: 'string' },
  // health
  url: { type: 'string' },
  'url-file': { type: 'string' },
  port: { type: 'string' },
  pid: { type: 'string' },
  'pid-file': { type: 'string' },
  'require-control-plane-poll': { type: 'boolean' },
  // doctor --json: which report shape
  'json-shape': { type: 'string' },
  // profiles
  'profile-dir': { type: 'string' },
  'from-file': { type: 'string' },
  // run
  'embedded-mcp-stub': { type: 'boolean' },
  // run: the web UI on the health server
  'allow-remote-ui': { type: 'boolean' },
  'open-web-ui': { type: 'boolean' },
  // admin tunnels, admin-profiles (and the relay's admin key and scope)
  'admin-key': { type: 'string' },
  'organization-id': { type: 'string', multiple: true },
  'workspace-id': { type: 'string', multiple: true },
  'tenant-id': { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  confirm: { type: 'boolean' },
  activate: { type: 'boolean' },
  'no-activate': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Every command `mcp-tunnel` has, in the order its usage lists them. */
export const COMMANDS = ['run', 'doctor', 'init', 'profiles', 'health', 'admin', 'admin-profiles', 'relay', 'loopback', 'demo', 'help'] as const;

type OwnValues = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];
/** This client's options, typed; the reference daemon's spellings are read by `profileFlags.ts`. */
export type CliValues = OwnValues & Record<string, string | boolean | string[] | undefined>;

export function parseCli(argv: string[]): { values: CliValues; positionals: string[] } {
  const { values, positionals } = parseArgs({ args: argv, options: { ...PROFILE_FLAG_OPTIONS, ...OPTIONS }, allowPositionals: true, strict: true });
  return { values: values as CliValues, positionals };
}

/** parseCli, with a malformed command line reported as a usage error that points to the help. */
export function parseCommandLine(argv: string[]): { values: CliValues; positionals: string[] } {
  try {
    return parseCli(argv);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. Run "mcp-tunnel --help" for usage.`);
  }
}

export function logLevelOf(values: CliValues, fallback: LogLevel = 'info'): LogLevel {
  const level = values['log-level'] ?? process.env.LOG_LEVEL ?? fallback;
  if (!isLogLevel(level)) throw new UsageError(`log level "${level}" is not one of debug, info, warn, error`);
  return level;
}

export function frontDoorAuthOf(values: CliValues): 'bearer' | 'none' {
  const auth = values['front-door-auth'] ?? 'bearer';
  if (auth !== 'bearer' && auth !== 'none') throw new UsageError(`--front-door-auth must be bearer or none, not "${auth}"`);
  return auth;
}
