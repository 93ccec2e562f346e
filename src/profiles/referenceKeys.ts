/**
 * Settings of the reference daemon for features this client does not have
 * (Cloudflare tunnels, Harpoon's extra transport, the admin UI, …). A reference profile, its
 * environment and its command line still load: each such setting gives one
 * warning that names it and says it is ignored. Where ignoring it would
 * silently change what the operator asked for (a Cloudflare tunnel to start,
 * a Unix socket to dial), loading fails instead.
 */
import { ConfigError } from './errors';

export interface IgnoredSetting {
  /** The YAML path, snake_case (`admin_ui.open_browser`). */
  yaml: string;
  env?: string;
  /** Reference flags that set it, canonical spelling first. */
  flags?: string[];
  /** Why it is ignored, completing "… is ignored: ". */
  why: string;
}

const NO_HARPOON_TRANSPORT = 'Harpoon is served on channel harpoon only (no /harpoon/mcp on the health server)';
const NO_CLOUDFLARED = 'this client does not run cloudflared';

export const IGNORED_SETTINGS: readonly IgnoredSetting[] = [
  { yaml: 'cloudflared.path', env: 'CLOUDFLARED_PATH', flags: ['--cloudflared.path'], why: NO_CLOUDFLARED },
  { yaml: 'cloudflared.ready_timeout', env: 'CLOUDFLARED_READY_TIMEOUT', flags: ['--cloudflared.ready-timeout'], why: NO_CLOUDFLARED },
  { yaml: 'harpoon.additional_transports', env: 'HARPOON_ADDITIONAL_TRANSPORTS', flags: ['--harpoon.additional-transport'], why: NO_HARPOON_TRANSPORT },
  { yaml: 'proxy.check_interval', env: 'PROXY_CHECK_INTERVAL', flags: ['--proxy.check-interval'], why: 'this client does not probe its proxy on a timer' },
  { yaml: 'log.http_raw_unsafe', env: 'LOG_HTTP_RAW_UNSAFE', flags: ['--log.http-raw-unsafe', '--log-http-raw-unsafe'], why: 'this client never logs raw HTTP bodies or headers' },
  { yaml: 'health.unix_socket', env: 'HEALTH_UNIX_SOCKET', flags: ['--health.unix-socket', '--health-unix-socket'], why: 'health is served on health.listen_addr only' },

];

export interface UnsafeSetting {
  yaml: string;
  env?: string;
  flags?: string[];
  /** True when the value asks for the feature (a false `managed` is only ignored). */
  asks: (value: unknown) => boolean;
  problem: string;
  fix: string;
}

const isTrue = (v: unknown): boolean => v === true || (typeof v === 'string' && /^(1|t|true)$/i.test(v.trim()));
const isSet = (v: unknown): boolean => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);

export const UNSAFE_SETTINGS: readonly UnsafeSetting[] = [
  {
    yaml: 'cloudflared.managed',
    env: 'CLOUDFLARED_MANAGED',
    flags: ['--cloudflared.managed'],
    asks: isTrue,
    problem: 'asks for a managed Cloudflare tunnel, which this client does not run',
    fix: 'Remove it (or set it to false) so the tunnel polls the control plane directly, or run the reference tunnel-client for this profile',
  },
  {
    yaml: 'cloudflared.token',
    env: 'CLOUDFLARED_TUNNEL_TOKEN',
    flags: ['--cloudflared.token'],
    asks: isSet,
    problem: 'asks for a Cloudflare tunnel, which this client does not run',
    fix: 'Remove it so the tunnel polls the control plane directly, or run the reference tunnel-client for this profile',
  },
];

/** Ignored and unsafe settings, by YAML path: the loader knows every reference key. */
const IGNORED_BY_YAML = new Map(IGNORED_SETTINGS.map((s) => [s.yaml, s]));
const UNSAFE_BY_YAML = new Map(UNSAFE_SETTINGS.map((s) => [s.yaml, s]));

export function ignoredWarning(name: string, why: string, where?: string): string {
  return `${name}${where ? ` (in ${where})` : ''} is ignored: ${why}`;
}

/**
 * Takes the settings of missing features out of a parsed YAML file: warns for
 * each ignored one, throws for an unsafe one. Sections left empty are removed.
 */
export function takeUnsupportedYaml(raw: Record<string, unknown>, file: string, warnings: string[]): void {
  for (const section of ['admin_ui', 'cloudflared', 'harpoon', 'proxy', 'log', 'health', 'mcp']) {
    const node = raw[section];
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const yaml = `${section}.${key}`;
      const unsafe = UNSAFE_BY_YAML.get(yaml);
      if (unsafe?.asks(record[key])) throw new ConfigError(yaml, unsafe.problem, unsafe.fix, { source: file });
      const ignored = IGNORED_BY_YAML.get(yaml);
      if (ignored || unsafe) {
        warnings.push(ignoredWarning(yaml, ignored?.why ?? NO_CLOUDFLARED, file));
        delete record[key];
      }
    }
    if (['cloudflared', 'proxy'].includes(section) || (['admin_ui', 'harpoon'].includes(section) && Object.keys(record).length === 0)) delete raw[section];
  }
}

/** The same for environment variables. */
export function takeUnsupportedEnv(get: (name: string) => string | undefined, warnings: string[]): void {
  for (const unsafe of UNSAFE_SETTINGS) {
    const value = unsafe.env !== undefined ? get(unsafe.env) : undefined;
    if (value === undefined || unsafe.env === undefined) continue;
    if (unsafe.asks(value)) throw new ConfigError(unsafe.env, unsafe.problem, unsafe.fix.replace('Remove it', `Unset ${unsafe.env}`));
    warnings.push(ignoredWarning(unsafe.env, NO_CLOUDFLARED));
  }
  for (const ignored of IGNORED_SETTINGS) {
    if (ignored.env !== undefined && get(ignored.env) !== undefined) warnings.push(ignoredWarning(ignored.env, ignored.why));
  }
}

/** Every reference flag of a missing feature, for the option table. */
export const UNSUPPORTED_FLAGS: readonly string[] = [...IGNORED_SETTINGS, ...UNSAFE_SETTINGS].flatMap((s) => s.flags ?? []);

/** Warns for, or refuses, the unsupported flags given on a command line (`--name` → its value). */
export function checkUnsupportedFlags(given: Record<string, unknown>, warnings: string[]): void {
  for (const unsafe of UNSAFE_SETTINGS) {
    for (const flag of unsafe.flags ?? []) {
      if (given[flag] === undefined) continue;
      const value = Array.isArray(given[flag]) ? (given[flag] as unknown[]).at(-1) : given[flag];
      if (unsafe.asks(value)) throw new ConfigError(flag, unsafe.problem, unsafe.fix.replace('Remove it', `Leave out ${flag}`));
      warnings.push(ignoredWarning(flag, NO_CLOUDFLARED));
    }
  }
  for (const ignored of IGNORED_SETTINGS) {
    for (const flag of ignored.flags ?? []) if (given[flag] !== undefined) warnings.push(ignoredWarning(flag, ignored.why));
  }
}
