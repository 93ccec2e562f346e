/**
 * Small pieces every part of the real-editor harness uses: waiting with a
 * deadline, JSON files, file tails, names safe for files and regular
 * expressions, and a once-only async function.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pollUntil } from '../../helpers/wait';

/** Polls `check` every 100 ms until it is true; throws after `timeout` (unless `fail` is false). */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeout: number,
  what: string,
  fail = true,
): Promise<boolean> {
  if (await pollUntil(check, timeout, 100)) return true;
  if (fail) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
  return false;
}

export async function httpStatus(url: string): Promise<number> {
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJsonIfAny(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'screenshot';
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}
