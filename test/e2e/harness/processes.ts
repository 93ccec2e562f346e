/**
 * Processes of a real-editor run: what a test looks for (a worker, an MCP
 * server below it) and what stop() must leave dead (everything code-server
 * and the extension host forked, found by ancestry and by the run's marker
 * variable, even once re-parented).
 */
import * as fs from 'node:fs';
import { processTable } from '../../../src/engine/process/table';
import { cmdlineOf } from '../../helpers/processes';

export { descendantPids } from '../../helpers/processes';

/** Every process started for one code-server run carries this variable, so stragglers can be found. */
export const RUN_MARKER = 'MCP_TUNNEL_E2E_RUN';

function livePids(): number[] {
  return processTable().map((p) => p.pid);
}

/** Pids of live processes whose command line contains `substring` (this process excluded). */
export function processesMatching(substring: string): number[] {
  return livePids().filter((pid) => {
    if (pid === process.pid) return false;
    try {
      return cmdlineOf(pid).join(' ').includes(substring);
    } catch {
      return false; // exited while we looked
    }
  });
}

/** Pids of live processes whose environment holds `entry` ("NAME=value"). */
export function pidsWithEnv(entry: string): number[] {
  return livePids().filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
    } catch {
      return false; // exited, or not ours to read
    }
  });
}
