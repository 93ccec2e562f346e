/**
 * Where `profiles` finds YAML profiles: the profile directory
 * (`$XDG_CONFIG_HOME/tunnel-client/`, else `~/.config/tunnel-client/`), or
 * --profile-dir; names and lookup order as `--profile NAME` finds them.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../profiles/errors';
import { PROFILE_NAME_PATTERN } from '../profiles/schema';
import { checkProfileName, findProfileFile, PROFILE_DIR_NAME, profileDirectory } from '../profiles/yaml';
import type { CliValues } from './options';

export interface ProfileEntry {
  name: string;
  path: string;
}

/** The directories searched for a profile name, first match wins: as `--profile NAME` finds it. */
export function profileDirectories(values: CliValues, env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = values['profile-dir'];
  if (dir !== undefined) return [path.resolve(dir)];
  return [...new Set([profileDirectory(env), path.join(os.homedir(), '.config', PROFILE_DIR_NAME)])];
}

export async function listProfiles(dirs: string[]): Promise<ProfileEntry[]> {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await fs.readdir(dir)).sort((a, b) => a.localeCompare(b));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError('profile directory', `cannot read ${dir}: ${(err as Error).message}`, 'Check its permissions, or pass --profile-dir DIR');
    }
    // .yaml before .yml, as the profile lookup tries them.
    for (const ext of ['.yaml', '.yml']) {
      for (const file of names) {
        const name = file.slice(0, -ext.length);
        if (!file.endsWith(ext) || name.startsWith('.') || !PROFILE_NAME_PATTERN.test(name) || found.has(name)) continue;
        if ((await fs.stat(path.join(dir, file)).catch(() => undefined))?.isFile()) found.set(name, path.join(dir, file));
      }
    }
  }
  return [...found].map(([name, file]) => ({ name, path: file })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The file of an existing profile, in --profile-dir or where `--profile NAME` finds it. */
export async function existingProfileFile(name: string, values: CliValues): Promise<string> {
  checkProfileName(name, 'profile name');
  const dir = values['profile-dir'];
  if (dir === undefined) return findProfileFile(name, { env: process.env });
  for (const ext of ['.yaml', '.yml']) {
    const file = path.join(path.resolve(dir), name + ext);
    if ((await fs.stat(file).catch(() => undefined))?.isFile()) return file;
  }
  throw new ConfigError('profile', `no profile named "${name}" in ${path.resolve(dir)}`, `Create it with: mcp-tunnel profiles add ${name} --sample stdio-local --profile-dir ${dir}`);
}
