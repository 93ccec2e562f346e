/**
 * What every check reads: the profile as merged from its sources but not
 * validated (so checks still run on a profile that does not validate, and one
 * pass shows every problem), with the helpers that name its fields the way
 * its source spells them.
 */
import { ConfigError, formatPath, type ConfigSource } from '../profiles/errors';
import { mergeProfileSources, type LoadProfileOptions } from '../profiles/load';
import { TunnelProfileSchema } from '../profiles/schema';
import type { Env, SecretStore } from '../profiles/secrets';
import type { DoctorCheck } from './report';

export interface DoctorOptions extends LoadProfileOptions {
  secretStore?: SecretStore;
  /** A profile object (e.g. from settings.json) to check instead of flags, env and a YAML file. */
  profile?: unknown;
  /** Deadline of each network probe; default 3000 ms. */
  timeoutMs?: number;
  /**
   * The health server as the host really runs it: the address it binds, when
   * the host decides it rather than the profile (the editor gives a tunnel
   * whose profile names none a free port, 127.0.0.1:0, where the profile's
   * default would say 127.0.0.1:8080), and the URL of the running tunnel's
   * health server, which is asked instead of binding its port.
   */
  health?: { listenAddr?: string; runningUrl?: string };
}

export type Path = readonly PropertyKey[];

export interface DoctorInputs {
  opts: DoctorOptions;
  env: Env;
  timeoutMs: number;
  /** The merged profile, unvalidated. */
  raw: Record<string, unknown>;
  profileName: string | undefined;
  /** The YAML file the profile came from, if any. */
  file: string | undefined;
  configSource: ConfigSource;
  /** The loader's warnings about the configuration. */
  warnings: string[];
  /** The loader's message for an API key written into the configuration itself. */
  literalKeyMessage: string | undefined;
  describeField: (p: Path) => string;
  howToSet: (p: Path) => string;
}

/** One named check: reads the inputs, returns zero or more results in report order. */
export type Check = (inputs: DoctorInputs) => DoctorCheck[] | Promise<DoctorCheck[]>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at a path of the unvalidated profile, or undefined where the shape does not fit. */
export function at(root: unknown, p: Path): unknown {
  let node = root;
  for (const segment of p) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isPlainObject(node) && typeof segment === 'string') node = node[segment];
    else return undefined;
  }
  return node;
}

/** The inputs, or the ConfigError of a source that cannot be read at all (a broken YAML file, a bad flag). */
export async function readInputs(opts: DoctorOptions): Promise<{ ok: true; inputs: DoctorInputs } | { ok: false; error: ConfigError }> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 3000;
  let raw: Record<string, unknown>;
  let describeField: (p: Path) => string = formatPath;
  let howToSet: (p: Path) => string = () => 'Add it to the profile';
  let configSource: ConfigSource = { kind: 'settings', schema: TunnelProfileSchema };
  let warnings: string[] = [];
  let literalKeyMessage: string | undefined;
  let file: string | undefined;
  if (opts.profile !== undefined) {
    raw = isPlainObject(opts.profile) ? opts.profile : {};
  } else {
    try {
      const merged = await mergeProfileSources({ ...opts, env });
      raw = merged.raw;
      describeField = merged.describeField;
      howToSet = merged.howToSet;
      configSource = merged.configSource;
      warnings = merged.warnings;
      literalKeyMessage = merged.literalApiKey?.message;
      file = merged.file;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return { ok: false, error: err };
    }
  }
  const profileName = typeof raw.name === 'string' ? raw.name : opts.profileName;
  return { ok: true, inputs: { opts, env, timeoutMs, raw, profileName, file, configSource, warnings, literalKeyMessage, describeField, howToSet } };
}
