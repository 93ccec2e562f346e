/** What a WorkerHost is configured with and reports: its options and its typed events. */
import type { EngineConfig } from '../engine/config';
import type { EngineStatus, LogRecord, MetricsSnapshot, TraceEntry } from '../engine/events';

export interface RestartPolicy {
  /** First delay after a crash (default 1000); doubles per crash. */
  initialMs?: number;
  /** Cap on the delay (default 30000). */
  maxMs?: number;
  /** Crashes within `windowMs` after which the supervisor gives up (default 5). */
  maxAttempts?: number;
  /** Default 120000. */
  windowMs?: number;
  /** A run at least this long forgets earlier crashes (default 60000). */
  stableAfterMs?: number;
}

export interface WorkerHostOptions {
  /** The bundled worker entry (dist/worker.js). */
  workerPath: string;
  config: EngineConfig;
  metricsIntervalMs?: number;
  restart?: RestartPolicy;
  /** Node flags for the worker, after its heap sizing (./heap.ts). Default none: the host's own (say --inspect) would clash. */
  execArgv?: string[];
  /** Environment the worker's is derived from (default process.env); see workerEnvironment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * starting: a worker is forked and has not reported 'started' yet.
 * running: the worker runs its engine. restarting: waiting out the backoff
 * after a crash. stopped: not running, on purpose. crashed: gave up.
 */
export type SupervisorState = 'starting' | 'running' | 'restarting' | 'stopped' | 'crashed';

export interface WorkerExit {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() asked for it; false for a crash (which is then restarted or given up on). */
  expected: boolean;
  /** One line: "the tunnel worker exited with code 1", or the worker's fatal message. */
  reason: string;
}

export interface WorkerRestart {
  /** 1 for the first restart after a crash-free stretch. */
  attempt: number;
  delayMs: number;
  /** Why the previous worker ended. */
  reason: string;
}

export interface WorkerGaveUp {
  /** What went wrong, followed by the last lines the worker printed. */
  reason: string;
  stderrTail: string[];
}

export interface WorkerStarted {
  pid: number;
  healthUrl?: string;
}

export interface WorkerHostEvents {
  state: (status: EngineStatus) => void;
  trace: (entry: TraceEntry) => void;
  metrics: (snapshot: MetricsSnapshot) => void;
  log: (record: LogRecord) => void;
  mcpStderr: (channel: string, line: string) => void;
  /** Lines the worker process itself printed (stderr, and stdout should anything land there). */
  workerStderr: (line: string) => void;
  /** Each worker (the first and every restart) that has its engine running. */
  started: (info: WorkerStarted) => void;
  exit: (info: WorkerExit) => void;
  restarting: (info: WorkerRestart) => void;
  gaveUp: (info: WorkerGaveUp) => void;
  supervisorState: (state: SupervisorState) => void;
}
