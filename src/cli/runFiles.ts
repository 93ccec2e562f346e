/**
 * Files `mcp-tunnel run` keeps for its operator, as the reference daemon does:
 * the log file (`log.file`, `LOG_FILE`, `--log.file`) that takes the place of
 * standard error, and the pid file (`process.pid_file`, `PID_FILE`,
 * `--pid.file`), removed again on a clean stop.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatLogJson, formatLogLine, Logger, type LogLevel } from '../engine/log';
import { errorCode } from '../engine/failure';
import { ConfigError } from '../profiles/errors';
import { expandHome } from '../profiles/secrets';
import { createCliLogger } from './output';

/** `struct-text`, the reference daemon's name for key=value lines, is this client's text format. */
function lineFormat(format: string): 'text' | 'json' {
  return format === 'json' ? 'json' : 'text';
}

export async function createRunLogger(
  level: LogLevel,
  log: { format: string; file?: string | undefined },
  field: string,
): Promise<{ logger: Logger; close: () => Promise<void> }> {
  const format = lineFormat(log.format);
  if (log.file === undefined) return { logger: createCliLogger(level, format), close: async () => {} };
  const file = expandHome(log.file);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.appendFile(file, '', { mode: 0o600 });
  } catch (err) {
    throw new ConfigError(field, `cannot write the log file ${file} (${errorCode(err) ?? 'unwritable'})`, 'Check the path and that this user may write to its directory');
  }
  const stream = createWriteStream(file, { flags: 'a' });
  const logger = Logger.create(level, 'cli');
  logger.addSink((record) => stream.write((format === 'json' ? formatLogJson(record) : formatLogLine(record)) + '\n'));
  return { logger, close: () => new Promise((resolve) => stream.end(resolve)) };
}

/** Writes this process's id; the returned function removes the file if it still holds it. */
export async function writePidFile(pidFile: string | undefined, field: string): Promise<() => Promise<void>> {
  if (pidFile === undefined) return async () => {};
  const file = expandHome(pidFile);
  const text = `${process.pid}\n`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text, { mode: 0o644 });
  } catch (err) {
    throw new ConfigError(field, `cannot write the pid file ${file} (${errorCode(err) ?? 'unwritable'})`, 'Check the path and that this user may write to its directory');
  }
  return async () => {
    const current = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (current === text) await fs.rm(file, { force: true });
  };
}
