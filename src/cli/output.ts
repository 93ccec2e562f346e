/** How the CLI prints: logs on stderr (text or JSON lines), results on stdout. */
import { formatLogJson, formatLogLine, Logger, type LogLevel } from '../engine/log';

export function createCliLogger(level: LogLevel, format: 'text' | 'json' = 'text'): Logger {
  const logger = Logger.create(level, 'cli');
  logger.addSink((record) => process.stderr.write((format === 'json' ? formatLogJson(record) : formatLogLine(record)) + '\n'));
  return logger;
}

/** Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or failed preflight. */
export const EXIT_RUNTIME = 1;
export const EXIT_CONFIG = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exits with a command's code (-1: a long-running command, which exits from its signal handler), or with the one its error calls for. */
export function exitWhenDone(run: Promise<number>): void {
  run.then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (err: Error & { field?: string }) => {
      const isConfig = err instanceof UsageError || err.name === 'ConfigError';
      process.stderr.write(`mcp-tunnel: ${err.message}\n`);
      process.exit(isConfig ? EXIT_CONFIG : EXIT_RUNTIME);
    },
  );
}

/** Runs `stop` once on SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${signal}: stopping…\n`);
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`error while stopping: ${err.message}\n`);
        process.exit(EXIT_RUNTIME);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
