/**
 * What the doctor asks of this machine: is a program on PATH, does a host
 * answer, can an address be bound. Kept apart from the checks so each check
 * reads as what it concludes, not how it pokes at sockets and files.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { errorCode } from '../engine/failure';

export type ProbeResult = { ok: true } | { ok: false; code: string };

export async function findExecutable(
  command: string,
  opts: { pathEnv?: string; pathExt?: string; cwd?: string; platform?: NodeJS.Platform } = {},
): Promise<string | undefined> {
  const platform = opts.platform ?? process.platform;
  const isExecutable = async (file: string): Promise<boolean> => {
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return false;
      await fs.access(file, platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const extensions = platform === 'win32' ? ['', ...(opts.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  if (command.includes('/') || (platform === 'win32' && command.includes('\\'))) {
    const file = path.resolve(opts.cwd ?? process.cwd(), command);
    for (const ext of extensions) if (await isExecutable(file + ext)) return file + ext;
    return undefined;
  }
  for (const dir of (opts.pathEnv ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const ext of extensions) {
      const file = path.join(dir, command + ext);
      if (await isExecutable(file)) return file;
    }
  }
  return undefined;
}

/** TCP connect with a deadline; an answer of any kind means reachable. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, code: 'ETIMEDOUT' }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err) => done({ ok: false, code: errorCode(err) ?? 'error' }));
  });
}

export function bindProbe(host: string | undefined, port: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err) => resolve({ ok: false, code: errorCode(err) ?? 'error' }));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve({ ok: true })));
  });
}
