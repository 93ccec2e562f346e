/**
 * What the in-host tests can see of MCP Tunnel from inside the extension
 * host: its manifest, its commands, the settings it reads, the clipboard, the
 * messages it shows, and the worker processes it forks.
 */
import * as vscode from 'vscode';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { EXTENSION_ID, IDLE_PROFILE } from '../fixture';

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this editor`);
  return ext;
}

// One polling loop for every test, bundled into the suite from test/helpers/.
export { sleep, waitFor } from '../../helpers/wait';

// ── settings ───────────────────────────────────────────────────────────────

/** Replaces the workspace's `mcpTunnel.profiles`, keeping the fixture's idle profile first. */
export async function setWorkspaceProfiles(...profiles: Record<string, unknown>[]): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) throw new Error('the in-host suite needs a workspace folder open');
  await vscode.workspace.getConfiguration('mcpTunnel').update('profiles', [IDLE_PROFILE, ...profiles], vscode.ConfigurationTarget.Workspace);
}

// ── clipboard ──────────────────────────────────────────────────────────────

/**
 * Runs "Copy Tunnel ID" for `profile` and returns what it put on the
 * clipboard, or undefined when it copied nothing (the profile is unknown, or
 * has no valid tunnel id).
 */
export async function copiedTunnelId(profile: string): Promise<string | undefined> {
  const sentinel = `nothing copied ${Date.now()}`;
  await clipboard(vscode.env.clipboard.writeText(sentinel));
  await vscode.commands.executeCommand('mcpTunnel.copyTunnelId', profile);
  const text = await clipboard(vscode.env.clipboard.readText());
  return text === sentinel ? undefined : text;
}

/** In a browser the clipboard waits for a permission nobody grants headless; fail fast and say so. */
function clipboard<T>(op: Thenable<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the clipboard did not answer within 5 s (in a browser: grant clipboard-read and clipboard-write to the workbench page)')), 5_000);
  });
  return Promise.race([Promise.resolve(op), timeout]).finally(() => clearTimeout(timer));
}

// ── messages ───────────────────────────────────────────────────────────────

export interface ShownMessage {
  severity: 'error' | 'warning' | 'information';
  message: string;
  /** Button labels offered with it. */
  items: string[];
}

const SHOW = { error: 'showErrorMessage', warning: 'showWarningMessage', information: 'showInformationMessage' } as const;

/**
 * Records the notifications MCP Tunnel shows, as the user sees them, while
 * still showing them. The extension host gives every extension its own
 * `vscode` API object and hands the same one to every module under that
 * extension's folder: requiring `vscode` from there yields the object the
 * extension calls, and wrapping its `window.show*Message` sees each message.
 */
export function recordMessages(): { shown: ShownMessage[]; dispose(): void } {
  const api = createRequire(path.join(extension().extensionPath, 'package.json'))('vscode') as typeof vscode;
  const window = api.window as unknown as Record<string, (...args: unknown[]) => unknown>;
  const shown: ShownMessage[] = [];
  const saved: [string, (...args: unknown[]) => unknown][] = [];
  for (const [severity, method] of Object.entries(SHOW) as [ShownMessage['severity'], string][]) {
    const original = window[method]!;
    saved.push([method, original]);
    window[method] = function (this: unknown, message: unknown, ...rest: unknown[]) {
      const items = rest.filter((r) => typeof r === 'string' || (typeof r === 'object' && r !== null && 'title' in r));
      shown.push({ severity, message: String(message), items: items.map((i) => (typeof i === 'string' ? i : String((i as { title: unknown }).title))) });
      return original.call(this, message, ...rest);
    };
  }
  return {
    shown,
    dispose: () => {
      for (const [method, original] of saved) window[method] = original;
    },
  };
}

// ── processes ──────────────────────────────────────────────────────────────

interface Proc {
  pid: number;
  ppid: number;
  args: string;
}

/** Live processes with their parent and command line (Linux /proc, `ps` on macOS, CIM on Windows). */
function processes(): Proc[] {
  if (existsSync('/proc/self/stat')) {
    const out: Proc[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields[0] === 'Z') continue;
        const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        out.push({ pid: Number(name), ppid: Number(fields[1]), args });
      } catch {
        // exited while we looked
      }
    }
    return out;
  }
  if (process.platform === 'win32') {
    const json = execFileSync('powershell.exe', ['-NoProfile', '-Command', 'Get-CimInstance Win32_Process | Select-Object ProcessId,ParentProcessId,CommandLine | ConvertTo-Json -Compress'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return (JSON.parse(json) as { ProcessId: number; ParentProcessId: number; CommandLine: string | null }[]).map((p) => ({
      pid: p.ProcessId,
      ppid: p.ParentProcessId,
      args: p.CommandLine ?? '',
    }));
  }
  return execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
}

/** Pids of the tunnel workers this extension host runs: children forked from MCP Tunnel's own dist/worker.js. */
export function workerPids(): number[] {
  const worker = path.join(extension().extensionPath, 'dist', 'worker.js');
  return processes()
    .filter((p) => p.ppid === process.pid && p.args.includes(worker))
    .map((p) => p.pid);
}

/** Pids of every live process below `pid`. */
export function descendantPids(pid: number): number[] {
  const all = processes();
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of all) {
      if (p.ppid === parent) {
        out.push(p.pid);
        queue.push(p.pid);
      }
    }
  }
  return out;
}

export function isRunning(pid: number): boolean {
  return processes().some((p) => p.pid === pid);
}
