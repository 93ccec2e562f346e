/**
 * code-server's lifecycle for the real-editor tests: VS Code 1.100.3 served
 * on loopback with a fresh user-data folder, extensions installed from .vsix
 * files, quiet settings, and a stop() that leaves no process of the run
 * behind and keeps its logs under test-results/e2e/.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../helpers/net';
import { running, startTimeOf } from '../../helpers/processes';
import { descendantPids, pidsWithEnv, RUN_MARKER } from './processes';
import { httpStatus, once, readJsonIfAny, safeName, tail, waitUntil, writeJson } from './util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CODE_SERVER_BIN = path.join(REPO_ROOT, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
/** Everything a run writes: screenshots, copied logs. Git ignores it; nothing here writes a tracked file. */
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

/**
 * Runs not stopped yet. code-server is started in its own process group and
 * would outlive a test process that crashes or exits (mocha --exit) before
 * stop(): on exit, kill what is left, synchronously.
 */
const liveRuns = new Map<string, number>();
process.on('exit', () => {
  for (const [runId, root] of liveRuns) {
    for (const pid of new Set([root, ...descendantPids(root), ...pidsWithEnv(`${RUN_MARKER}=${runId}`)])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
});

export interface CodeServerOptions {
  /** Folder opened in the workbench. Created if missing. */
  workspace: string;
  /** Merged over quiet defaults and written to USER/User/settings.json. */
  userSettings?: Record<string, unknown>;
  /** Merged into WORKSPACE/.vscode/settings.json. */
  workspaceSettings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host and everything it forks. */
  env?: Record<string, string>;
  /** true (default): --disable-workspace-trust. false: trust is on and the folder is not trusted. */
  trust?: boolean;
  vsixPath?: string;
  extraVsix?: string[];
  /** Names the folder under test-results/e2e/ that stop() copies the logs into. */
  name?: string;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** http://127.0.0.1:PORT/?folder=WORKSPACE */
  workbenchUrl: string;
  port: number;
  workspace: string;
  process: ChildProcess;
  /** Temporary folder holding everything below; removed by stop(). */
  tempDir: string;
  userDataDir: string;
  extensionsDir: string;
  /** VS Code's logs: USER/logs/<timestamp>/ (remoteagent.log, exthost1/remoteexthost.log, ...). */
  logsDir: string;
  /** code-server's own stdout and stderr. */
  serverLog: string;
  /** Kills code-server and every process it started; copies the logs to test-results/e2e/. */
  stop(): Promise<void>;
}

/** Settings that keep a fresh profile from opening welcome pages, tips and update checks. */
const QUIET_USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  // No sliding toasts or panels: steadier screenshots and clicks.
  'workbench.reduceMotion': 'on',
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // With trust on, open untrusted (restricted mode) without a modal dialog.
  'security.workspace.trust.startupPrompt': 'never',
  'git.openRepositoryInParentFolders': 'never',
};

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  if (!fs.existsSync(CODE_SERVER_BIN)) {
    throw new Error(`code-server is not installed at ${CODE_SERVER_BIN}: run 'bash scripts/install-e2e.sh'`);
  }
  const workspace = path.resolve(options.workspace);
  fs.mkdirSync(workspace, { recursive: true });
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-'));
  const userDataDir = path.join(tempDir, 'user-data');
  const extensionsDir = path.join(tempDir, 'extensions');
  const serverLog = path.join(tempDir, 'code-server.log');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });

  const runId = randomUUID();
  // code-server keeps its config file and its own logs under the XDG folders.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(tempDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(tempDir, 'xdg-data'),
    ...options.env,
    [RUN_MARKER]: runId,
  };
  // Set when the tests run in a VS Code terminal: they would send the CLI to that editor.
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.ELECTRON_RUN_AS_NODE;

  const vsixes = [options.vsixPath, ...(options.extraVsix ?? [])].filter((v): v is string => !!v);
  if (vsixes.length) await installExtensions(vsixes, { userDataDir, extensionsDir, env });

  writeJson(path.join(userDataDir, 'User', 'settings.json'), { ...QUIET_USER_SETTINGS, ...options.userSettings });
  if (options.workspaceSettings) {
    const file = path.join(workspace, '.vscode', 'settings.json');
    writeJson(file, { ...readJsonIfAny(file), ...options.workspaceSettings });
  }

  const port = await freePort();
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(options.trust === false ? [] : ['--disable-workspace-trust']),
    '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir,
    workspace,
  ];
  const out = fs.openSync(serverLog, 'a');
  const child = spawn(CODE_SERVER_BIN, args, { env, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  if (child.pid) liveRuns.set(runId, child.pid);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `code-server exited (${signal ?? code})`));

  const url = `http://127.0.0.1:${port}/`;
  const server: CodeServer = {
    url,
    workbenchUrl: `${url}?folder=${encodeURIComponent(workspace)}`,
    port,
    workspace,
    process: child,
    tempDir,
    userDataDir,
    extensionsDir,
    get logsDir() {
      return latestLogsDir(userDataDir);
    },
    serverLog,
    stop: once(() => stopServer(server, runId, options.name)),
  };
  try {
    await waitUntil(async () => {
      if (exited) throw new Error(`${exited}:\n${tail(serverLog)}`);
      return (await httpStatus(`${url}healthz`)) === 200;
    }, 30_000, 'code-server to listen');
    const status = await httpStatus(server.workbenchUrl);
    if (status !== 200) throw new Error(`the workbench answered ${status}:\n${tail(serverLog)}`);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function installExtensions(
  vsixes: string[],
  dirs: { userDataDir: string; extensionsDir: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  const args = vsixes.flatMap((v) => ['--install-extension', path.resolve(v)]);
  args.push('--force', '--extensions-dir', dirs.extensionsDir, '--user-data-dir', dirs.userDataDir);
  const { stdout, stderr } = await execFileAsync(CODE_SERVER_BIN, args, { env: dirs.env, timeout: 120_000 });
  const installed = (stdout.match(/successfully installed/gi) ?? []).length;
  if (installed < vsixes.length) {
    throw new Error(`installing ${vsixes.join(', ')} failed:\n${stdout}\n${stderr}`);
  }
}

/** The server's own folder under USER/logs (the CLI's --install-extension run gets another one). */
function latestLogsDir(userDataDir: string): string {
  const root = path.join(userDataDir, 'logs');
  const runs = fs.existsSync(root) ? fs.readdirSync(root).sort().reverse() : [];
  const served = runs.find((r) => fs.existsSync(path.join(root, r, 'remoteagent.log')));
  return served ? path.join(root, served) : root;
}

async function stopServer(server: CodeServer, runId: string, name: string | undefined): Promise<void> {
  const root = server.process.pid;
  const seen = new Map<number, string>();
  const remember = () => {
    const ids = new Set<number>(root ? [root, ...descendantPids(root)] : []);
    for (const pid of pidsWithEnv(`${RUN_MARKER}=${runId}`)) ids.add(pid);
    for (const pid of ids) {
      const start = running(pid) ? startTimeOf(pid) : undefined;
      if (start !== undefined && !seen.has(pid)) seen.set(pid, start);
    }
  };
  remember();
  // Ask nicely first so the extension host can deactivate extensions.
  if (root && server.process.exitCode === null && server.process.signalCode === null) {
    try {
      process.kill(root, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await waitUntil(async () => server.process.exitCode !== null || server.process.signalCode !== null, 5_000, '', false);
  }
  remember();
  const alive = () => [...seen].filter(([pid, start]) => running(pid) && startTimeOf(pid) === start).map(([pid]) => pid);
  for (const pid of alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* raced with its exit */
    }
  }
  await waitUntil(async () => alive().length === 0, 5_000, '', false);
  const left = alive();
  liveRuns.delete(runId);

  if (name) {
    const dest = path.join(RESULTS_DIR, `${safeName(name)}-logs`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    const logs = path.join(server.userDataDir, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dest, 'vscode'), { recursive: true });
    if (fs.existsSync(server.serverLog)) fs.copyFileSync(server.serverLog, path.join(dest, 'code-server.log'));
  }
  if (!process.env.E2E_KEEP_TEMP) fs.rmSync(server.tempDir, { recursive: true, force: true });
  if (left.length) throw new Error(`processes survived stop(): ${left.join(', ')}`);
}
