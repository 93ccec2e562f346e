/** Extension figures: activation time (approximate, see activation-probe.cjs) and artefact sizes. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../test/helpers/everything';
import { start } from './procs';

const PROBE = join(__dirname, '..', 'activation-probe.cjs');

export interface Activation {
  requireMs: number;
  activateMs: number;
  totalMs: number;
  /** CPU time of the probe process over require + activate. */
  cpuMs: number;
  subscriptions: number;
}

let shipped: { file: string } | { error: string } | undefined;

/**
 * The extension as the .vsix ships it: a production build (minified, its
 * deferred file beside it) made once per run into a temp folder. dist/ holds
 * the development build `npm run bench` makes, which is neither the size nor
 * the load time a user gets.
 */
function shippedExtension(): { file: string } | { error: string } {
  if (shipped) return shipped;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-bench-extension-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs'), '--production', '--only', 'extension', '--outdir', join(dir, 'dist')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    shipped = { file: join(dir, 'dist', 'extension.js') };
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    shipped = { error: `the production build of the extension failed: ${stderr || (err as Error).message}` };
  }
  return shipped;
}

/** { error } when the extension does not build, load or activate under the fake host (reported, not fatal). */
export async function measureActivation(): Promise<Activation | { error: string }> {
  const built = shippedExtension();
  if ('error' in built) return built;
  const proc = start(process.execPath, [PROBE, built.file], { env: { PATH: process.env.PATH, HOME: process.env.HOME } });
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

/** Size of the production dist/extension.js (what activation reads), undefined when it does not build. */
export function extensionBytes(): number | undefined {
  const built = shippedExtension();
  return 'file' in built && existsSync(built.file) ? statSync(built.file).size : undefined;
}

/** The newest *.vsix in the repository root (where `vsce package` writes it), if any. */
export function vsix(): { file: string; bytes: number } | undefined {
  const found = readdirSync(ROOT)
    .filter((f) => f.endsWith('.vsix'))
    .map((f) => ({ file: f, stat: statSync(join(ROOT, f)) }))
    .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs);
  return found.length > 0 ? { file: found[0].file, bytes: found[0].stat.size } : undefined;
}
