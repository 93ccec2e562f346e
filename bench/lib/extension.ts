/** Extension figures: activation time (approximate, see activation-probe.cjs) and artefact sizes. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/helpers/everything';
import { start } from './procs';

export const EXTENSION = join(ROOT, 'dist', 'extension.js');
const PROBE = join(__dirname, '..', 'activation-probe.cjs');

export interface Activation {
  requireMs: number;
  activateMs: number;
  totalMs: number;
  subscriptions: number;
}

/**
 * undefined when dist/extension.js does not exist yet; { error } when it exists
 * but does not load or activate under the fake host (reported, not fatal).
 */
export async function measureActivation(): Promise<Activation | { error: string } | undefined> {
  if (!existsSync(EXTENSION)) return undefined;
  const proc = start(process.execPath, [PROBE, EXTENSION], { env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  try {
    return await proc.json<Activation>(30_000);
  } catch {
    await proc.exited;
    const line = proc.stderr.find((l) => l.startsWith('activation failed:')) ?? proc.stderr[0] ?? 'no output';
    return { error: line.replace(/^activation failed: /, '') };
  } finally {
    await proc.stop('SIGTERM', 5000);
  }
}

export function extensionBytes(): number | undefined {
  return existsSync(EXTENSION) ? statSync(EXTENSION).size : undefined;
}

/** The newest *.vsix in the repository root (where `vsce package` writes it), if any. */
export function vsix(): { file: string; bytes: number } | undefined {
  const found = readdirSync(ROOT)
    .filter((f) => f.endsWith('.vsix'))
    .map((f) => ({ file: f, stat: statSync(join(ROOT, f)) }))
    .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs);
  return found.length > 0 ? { file: found[0].file, bytes: found[0].stat.size } : undefined;
}
