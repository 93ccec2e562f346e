/**
 * One spawned stdio MCP server process and what lives and dies with it: its
 * process group, the framing on its pipes, the tail of its stderr, and how
 * its end is told apart from a deliberate stop. It only reports what happens;
 * the supervisor decides what comes next, so a process that is replaced can
 * never act on the channel again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { StdioTarget } from '../../config';
import { TunnelFailureError } from '../../failure';
import type { Logger } from '../../log';
import { endGroup, forgetGroup, signalGroup, trackGroup } from '../../process/signals';
import { within } from '../../timing';
import { buildChildEnv } from '../childEnv';
import { FrameWriter, LineReader } from './framing';

/** How much of a dying child's stderr its restart reason quotes. */
const STDERR_TAIL_LINES = 3;
const STDERR_TAIL_CHARS = 200;
/** A server that logs without newlines must not grow the unfinished line forever. */
const STDERR_PARTIAL_MAX = 64 * 1024;
/** How long 'exit' and the end of stdout wait for each other. */
const END_SETTLE_MS = 200;

export interface ServerProcessHooks {
  spawned(): void;
  /** It could not be started at all; `err` is undefined for an empty command. */
  spawnFailed(err: unknown): void;
  /** It exited, or closed its stdout, while nobody was stopping it. `how` follows "MCP server". */
  ended(how: string): void;
  line(line: Buffer): void;
  oversize(bytes: number, head: Buffer, tail: Buffer): void;
  stderr(line: string): void;
  bytes(direction: 'in' | 'out', count: number): void;
}

/**
 * What its end means: 'live' until something handles it; 'stopping' while
 * close() stops it (its end is then no crash); 'ended' once its end was
 * handled (a crash, a restart, a failed spawn, a stop), after which nothing
 * is written to it.
 */
export type Fate = 'live' | 'stopping' | 'ended';

export class ServerProcess {
  private phase: Fate = 'live';
  /** Set on 'spawn'; `pid` and `startedAt` are known from then on. */
  spawned = false;
  pid: number | undefined;
  startedAt = 0;
  exited = false;
  /** When it last wrote to stdout (ms since epoch), or when it was created. */
  lastReadAt = Date.now();
  /** Set once it answered a request: it works, so a later crash starts the back-off afresh. */
  answered = false;
  /** The last few lines it wrote to stderr (bounded), to say why it died. */
  readonly stderrTail: string[] = [];
  /** Settles on 'spawn' or on the spawn error, whichever comes. */
  readonly launched: Promise<void>;

  private proc: ChildProcess | undefined;
  private writer: FrameWriter | undefined;
  private exitHow = '';
  private stdoutEnded = false;
  private endTimer: NodeJS.Timeout | null = null;
  private readonly exitPromise: Promise<void>;
  private resolveLaunched!: () => void;
  private resolveExit!: () => void;

  constructor(
    private readonly target: StdioTarget,
    private readonly maxMessageBytes: number,
    private readonly hooks: ServerProcessHooks,
    private readonly logger: Logger,
  ) {
    this.launched = new Promise<void>((resolve) => (this.resolveLaunched = resolve));
    this.exitPromise = new Promise<void>((resolve) => (this.resolveExit = resolve));
  }

  get fate(): Fate {
    return this.phase;
  }

  /**
   * Spawns it in its own process group, so a stop can reach `npx`/`uvx`
   * grandchildren. A command that cannot be started is reported through
   * `spawnFailed`, at once or when Node reports it.
   */
  launch(): void {
    const [command, ...args] = this.target.argv;
    if (!command) {
      this.launchFailed(undefined);
      return;
    }
    let proc: ChildProcess;
    try {
      proc = spawn(command, args, {
        shell: false,
        detached: process.platform !== 'win32',
        windowsHide: true,
        cwd: this.target.cwd,
        env: buildChildEnv(this.target.env),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      this.launchFailed(err);
      return;
    }
    this.proc = proc;
    const channel = this.target.channel;

    proc.once('spawn', () => {
      this.spawned = true;
      this.pid = proc.pid;
      this.startedAt = Date.now();
      this.resolveLaunched();
      if (this.pid !== undefined) trackGroup(this.pid);
      this.logger.info('MCP server started', { channel, pid: this.pid, command });
      this.hooks.spawned();
    });
    proc.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.spawned) {
        this.launchFailed(err);
        return;
      }
      this.logger.warn('MCP server process error', { channel, code: err.code });
    });
    proc.once('exit', (code, sig) => {
      this.exited = true;
      this.exitHow = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      this.resolveExit();
      this.settleEnd();
    });

    const reader = new LineReader(
      this.maxMessageBytes,
      (line) => this.hooks.line(line),
      (bytes, head, tail) => this.hooks.oversize(bytes, head, tail),
    );
    proc.stdout!.on('data', (chunk: Buffer) => {
      this.hooks.bytes('in', chunk.length);
      this.lastReadAt = Date.now();
      reader.push(chunk);
    });
    proc.stdout!.once('end', () => {
      this.stdoutEnded = true;
      this.settleEnd();
    });
    proc.stdout!.on('error', (err: NodeJS.ErrnoException) => this.logger.debug('MCP server stdout error', { code: err.code }));
    proc.stdin!.on('error', (err: NodeJS.ErrnoException) => this.logger.debug('MCP server stdin error', { code: err.code }));
    this.writer = new FrameWriter(proc.stdin!, this.maxMessageBytes, () => this.phase === 'ended', (bytes) => this.hooks.bytes('out', bytes));

    // stderr is the server's log: always drained (a full pipe would block the
    // server), never inherited, never parsed.
    proc.stderr!.setEncoding('utf8');
    let partial = '';
    proc.stderr!.on('data', (text: string) => {
      partial += text;
      let nl: number;
      while ((nl = partial.indexOf('\n')) !== -1) {
        this.stderrLine(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
      if (partial.length > STDERR_PARTIAL_MAX) {
        this.stderrLine(partial);
        partial = '';
      }
    });
    proc.stderr!.on('end', () => {
      if (partial) this.stderrLine(partial);
      partial = '';
    });
    proc.stderr!.on('error', () => undefined);
  }

  /** It never ran: nothing is left to stop or wait for. */
  private launchFailed(err: unknown): void {
    this.phase = 'ended';
    this.resolveExit();
    this.resolveLaunched();
    this.hooks.spawnFailed(err);
  }

  /** Writes one message as a line on its stdin; resolves with its size in bytes once queued. */
  write(message: unknown): Promise<number> {
    if (!this.writer) {
      return Promise.reject(new TunnelFailureError('transport_closed', { kind: 'closed_pipe', message: 'MCP server stdin is closed' }));
    }
    return this.writer.write(message);
  }

  /**
   * Marks its end handled and kills what is left of its group: orphaned
   * grandchildren (npx → node) must not outlive their leader. False when its
   * end was handled already.
   */
  finish(): boolean {
    if (this.phase === 'ended') return false;
    this.phase = 'ended';
    if (this.endTimer) clearTimeout(this.endTimer);
    if (this.pid !== undefined) {
      signalGroup(this.pid, 'SIGKILL');
      forgetGroup(this.pid);
    }
    return true;
  }

  /** SIGKILLs its whole group at once (a restart on purpose). */
  kill(): void {
    if (this.pid !== undefined) signalGroup(this.pid, 'SIGKILL');
  }

  /** Stops it for good: stdin EOF, then SIGTERM, then SIGKILL to the whole group, within `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.phase === 'ended') return;
    this.phase = 'stopping';
    if (this.endTimer) clearTimeout(this.endTimer);
    await this.launched;
    this.phase = 'ended';
    if (!this.spawned) return;
    const channel = this.target.channel;
    const deadline = Date.now() + graceMs;
    const step = Math.max(1, Math.floor(graceMs / 3));
    const pid = this.pid;
    try {
      this.proc?.stdin?.end();
    } catch {
      // Already closed.
    }
    if (!this.exited && !(await within(this.exitPromise, step)) && pid !== undefined) {
      this.logger.debug('MCP server still running after stdin closed; sending SIGTERM', { channel, pid });
      signalGroup(pid, 'SIGTERM');
      if (!(await within(this.exitPromise, Math.min(step, deadline - Date.now())))) {
        this.logger.warn('MCP server ignored SIGTERM; sending SIGKILL', { channel, pid });
        signalGroup(pid, 'SIGKILL');
        await within(this.exitPromise, Math.max(1000, deadline - Date.now()));
      }
    }
    if (pid === undefined || process.platform === 'win32') return;
    // The leader is gone; grandchildren it left behind share its group.
    await endGroup(pid, deadline, step);
  }

  /**
   * 'exit' may come before the last stdout bytes are read (an answer written
   * just before exiting), and stdout may close before 'exit': wait briefly for
   * the other one so answers are not lost and the reason names the exit.
   */
  private settleEnd(): void {
    if (this.phase !== 'live') return;
    if (this.exited && this.stdoutEnded) {
      this.hooks.ended(this.exitHow);
      return;
    }
    this.endTimer ??= setTimeout(() => this.hooks.ended(this.exitHow || 'closed its stdout'), END_SETTLE_MS);
  }

  private stderrLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') {
      this.stderrTail.push(line.length > STDERR_TAIL_CHARS ? `${line.slice(0, STDERR_TAIL_CHARS)}…` : line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    }
    this.hooks.stderr(line);
    this.logger.debug(line, { channel: this.target.channel, stream: 'stderr' });
  }
}
