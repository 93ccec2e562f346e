/**
 * Checks `health` and `health-url-file`: the health server's address can be
 * bound and the file its bound URL is written to can be created, both of
 * which the tunnel needs before it starts.
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

export async function healthAddress({ raw, describeField }: DoctorInputs): Promise<DoctorCheck[]> {
  const listenAddr = at(raw, ['health', 'listenAddr']) ?? DEFAULTS.healthListenAddr;
  if (typeof listenAddr !== 'string') return [];
  const id = 'health';
  const title = 'Health address can be bound';
  const why = 'The health server (/healthz, /readyz, /metrics) starts with the tunnel; if its address cannot be bound, the tunnel does not start.';
  if (listenAddr === '') return [{ id, title, status: 'ok', detail: 'The health server is turned off' }];
  const parsed = parseListenAddr(listenAddr);
  const result = parsed ? await bindProbe(parsed.host, parsed.port) : ({ ok: false, code: 'EINVAL' } as const);
  if (result.ok) return [{ id, title, status: 'ok', detail: `${listenAddr} is free` }];
  return [{ id, title, status: 'fail', why, ...listenProblem(result.code, listenAddr, describeField(['health', 'listenAddr'])) }];
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
