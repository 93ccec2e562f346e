/**
 * Checks `health` and `health-url-file`: the health server's address can be
 * bound and the file its bound URL is written to can be created, both of
 * which the tunnel needs before it starts. The address is the one the host
 * really uses (the editor's free port unless the profile names one); a tunnel
 * already running holds its port, so its health server is asked instead.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../../engine/config';
import { listenProblem } from '../../engine/net';
import { parseListenAddr } from '../../profiles/schema';
import { at, type DoctorInputs } from '../inputs';
import { errorCode } from '../../engine/failure';
import { bindProbe } from '../probes';
import type { DoctorCheck } from '../report';

export async function healthAddress({ raw, opts, timeoutMs, describeField }: DoctorInputs): Promise<DoctorCheck[]> {
  const listenAddr = opts.health?.listenAddr ?? at(raw, ['health', 'listenAddr']) ?? DEFAULTS.healthListenAddr;
  if (typeof listenAddr !== 'string') return [];
  const id = 'health';
  const title = 'Health address can be bound';
  const why = 'The health server (/healthz, /readyz, /metrics) starts with the tunnel; if its address cannot be bound, the tunnel does not start.';
  if (listenAddr === '') return [{ id, title, status: 'ok', detail: 'The health server is turned off' }];
  const running = opts.health?.runningUrl;
  if (running) return [await runningHealth(running, timeoutMs)];
  const parsed = parseListenAddr(listenAddr);
  const result = parsed ? await bindProbe(parsed.host, parsed.port) : ({ ok: false, code: 'EINVAL' } as const);
  if (result.ok) return [{ id, title, status: 'ok', detail: parsed?.port === 0 ? `${listenAddr}: a free port on ${parsed.host} is taken when the tunnel starts` : `${listenAddr} is free` }];
  return [{ id, title, status: 'fail', why, ...listenProblem(result.code, listenAddr, describeField(['health', 'listenAddr'])) }];
}

/** The running tunnel's health server answers on the port it bound. */
async function runningHealth(url: string, timeoutMs: number): Promise<DoctorCheck> {
  const base = { id: 'health', title: 'Health server answers' };
  const healthz = `${url.replace(/\/+$/, '')}/healthz`;
  try {
    const res = await fetch(healthz, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { ...base, status: 'ok', detail: `The running tunnel's health server answers at ${url} (/healthz: ${res.status})` };
  } catch (err) {
    return {
      ...base,
      status: 'warn',
      detail: `The running tunnel's health server at ${url} does not answer: ${(err as Error).message}`,
      why: 'Probes and scripts that watch /healthz or /readyz see the tunnel as down.',
      fix: 'Restart the tunnel; if it persists, read its logs',
    };
  }
}

export async function healthUrlFile({ raw, describeField }: DoctorInputs): Promise<DoctorCheck[]> {
  const urlFile = at(raw, ['health', 'urlFile']);
  if (typeof urlFile !== 'string' || urlFile === '') return [];
  const dir = path.dirname(path.resolve(urlFile));
  try {
    await fs.access(dir, fsConstants.W_OK);
    return [{ id: 'health-url-file', title: 'Health URL file can be written', status: 'ok', detail: path.resolve(urlFile) }];
  } catch (err) {
    return [
      {
        id: 'health-url-file',
        title: 'Health URL file can be written',
        status: 'fail',
        detail: `${describeField(['health', 'urlFile'])}: the directory ${dir} ${errorCode(err) === 'ENOENT' ? 'does not exist' : 'is not writable'}`,
        why: 'The bound health address is written there at start; scripts that wait for it would wait forever.',
        fix: `Create ${dir} or point the URL file at a writable directory`,
      },
    ];
  }
}
