/**
 * VS Code's logs of a code-server run: every log file, the extension host's
 * errors about one extension, and an output channel's text.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeServer } from './codeServer';
import { escapeRegExp } from './util';

/** Every log file VS Code wrote for this server (server, extension host, pty host, output channels). */
export function logFiles(server: Pick<CodeServer, 'userDataDir'>): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.log')) files.push(full);
    }
  };
  walk(path.join(server.userDataDir, 'logs'));
  return files.sort();
}

/**
 * Error entries of the extension host's logs that concern `extensionId` (or
 * any of `alsoMatching`): an `[error]` line plus the stack lines under it,
 * when the entry mentions the id or the extension's install folder. Errors
 * logged to the extension's own log output channels count whatever they say.
 */
export function extensionHostLogErrors(
  server: Pick<CodeServer, 'userDataDir'>,
  extensionId: string,
  alsoMatching: string[] = [],
): string[] {
  const needles = [extensionId, ...alsoMatching].map((n) => n.toLowerCase());
  const errors: string[] = [];
  for (const file of logFiles(server)) {
    const ownChannel = file.split(path.sep).includes(extensionId);
    const text = fs.readFileSync(file, 'utf8');
    for (const entry of logEntries(text)) {
      if (!/^\S+ \S+ \[error\]/.test(entry)) continue;
      const lower = entry.toLowerCase();
      if (ownChannel || needles.some((n) => lower.includes(n))) {
        errors.push(`${path.relative(server.userDataDir, file)}: ${entry}`);
      }
    }
  }
  return errors;
}

/** Text of an extension's output channel as VS Code logged it (plain or log channel), '' if none. */
export function outputChannelText(server: Pick<CodeServer, 'userDataDir'>, channelName: string): string {
  const name = new RegExp(`(^|[-\\d])${escapeRegExp(channelName)}\\.log$`);
  return logFiles(server)
    .filter((f) => name.test(path.basename(f)))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('');
}

/** Splits a log into entries: a timestamped line and the untimestamped lines after it. */
function logEntries(text: string): string[] {
  const entries: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\d{4}-\d\d-\d\d[ T]/.test(line) || !entries.length) entries.push(line);
    else entries[entries.length - 1] += `\n${line}`;
  }
  return entries.map((e) => e.trimEnd()).filter(Boolean);
}

