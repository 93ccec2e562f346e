/**
 * Tunnels that come back after a window reload: which profiles were running
 * (and whether on this machine only) is kept in the workspace state, and
 * `mcpTunnel.restoreRunningTunnels` says which of them start again.
 */
import type * as vscode from 'vscode';
import type { RestoreMode } from '../profiles/editorSettings';

const STATE_KEY = 'mcpTunnel.runningProfiles';

export interface RunRecord {
  name: string;
  /** Ran against a relay the editor started (a loopback profile, or Start Loopback). */
  loopback: boolean;
}

/** The records `mode` restarts, of profiles that still exist. */
export function toRestore(records: readonly RunRecord[], mode: RestoreMode, names: ReadonlySet<string>): RunRecord[] {
  if (mode === 'off') return [];
  return records.filter((r) => names.has(r.name) && (mode === 'all' || r.loopback));
}

function isRecord(value: unknown): value is RunRecord {
  return typeof value === 'object' && value !== null && typeof (value as RunRecord).name === 'string' && typeof (value as RunRecord).loopback === 'boolean';
}

/** What was running, as the user left it: a start adds a profile, a Stop removes it; closing the window changes nothing. */
export class RunningMemory {
  constructor(private readonly state: vscode.Memento) {}

  list(): RunRecord[] {
    const value = this.state.get<unknown>(STATE_KEY);
    return Array.isArray(value) ? value.filter(isRecord) : [];
  }

  remember(name: string, loopback: boolean): Thenable<void> {
    return this.state.update(STATE_KEY, [...this.list().filter((r) => r.name !== name), { name, loopback }]);
  }

  forget(name: string): Thenable<void> {
    return this.state.update(STATE_KEY, this.list().filter((r) => r.name !== name));
  }
}
