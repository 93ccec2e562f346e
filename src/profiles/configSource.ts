/**
 * Which profile file a command line selects, as in the reference daemon:
 * `--config FILE`, `--profile NAME` or `--profile-file FILE` (mutually
 * exclusive), else `TUNNEL_CLIENT_CONFIG`, `TUNNEL_CLIENT_PROFILE` or
 * `TUNNEL_CLIENT_PROFILE_FILE` (also mutually exclusive). A profile name is
 * looked up in `--profile-dir` / `TUNNEL_CLIENT_PROFILE_DIR` when given.
 */
import { ConfigError } from './errors';
import type { Env } from './secrets';

export interface ConfigSourceFlags {
  config?: string;
  profile?: string;
  profileFile?: string;
  profileDir?: string;
}

export interface ConfigSourceChoice {
  profileName?: string;
  profileFile?: string;
  profileDir?: string;
  /** How the choice was written (`--profile`, `TUNNEL_CLIENT_PROFILE`). */
  via?: string;
}

function pick(options: Array<[string, string | undefined]>, what: string): [string, string] | undefined {
  const given = options.filter((o): o is [string, string] => o[1] !== undefined);
  for (const [name, value] of given) if (value.trim() === '') throw new ConfigError(name, 'is empty', `Give ${name} ${what}, or leave it out`);
  if (given.length > 1) throw new ConfigError(given[0]![0], `and ${given[1]![0]} are mutually exclusive`, `Keep one of ${given.map((g) => g[0]).join(', ')}`);
  const [name, value] = given[0] ?? [];
  return name !== undefined && value !== undefined ? [name, value.trim()] : undefined;
}

export function selectConfigSource(flags: ConfigSourceFlags, env: Env): ConfigSourceChoice {
  const blank = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v);
  const dirFlag = flags.profileDir;
  if (dirFlag !== undefined && dirFlag.trim() === '') throw new ConfigError('--profile-dir', 'is empty', 'Give --profile-dir a directory, or leave it out');
  const profileDir = dirFlag?.trim() ?? blank(env.TUNNEL_CLIENT_PROFILE_DIR)?.trim();
  const chosen =
    pick(
      [
        ['--config', flags.config],
        ['--profile', flags.profile],
        ['--profile-file', flags.profileFile],
      ],
      'a value',
    ) ??
    pick(
      [
        ['TUNNEL_CLIENT_CONFIG', blank(env.TUNNEL_CLIENT_CONFIG)],
        ['TUNNEL_CLIENT_PROFILE', blank(env.TUNNEL_CLIENT_PROFILE)],
        ['TUNNEL_CLIENT_PROFILE_FILE', blank(env.TUNNEL_CLIENT_PROFILE_FILE)],
      ],
      'a value',
    );
  const dir = profileDir !== undefined ? { profileDir } : {};
  if (!chosen) return dir;
  const [via, value] = chosen;
  if (via === '--profile' || via === 'TUNNEL_CLIENT_PROFILE') return { profileName: value, via, ...dir };
  return { profileFile: value, via, ...dir };
}
