/**
 * Where Export Diagnostics… and the trace's export offer to save: outside
 * every open workspace folder, so a bundle of logs and trace metadata is not
 * committed with the project by accident. The user's Downloads folder, else
 * their home folder, else the system's temporary folder: the first that
 * exists and lies in no workspace folder. No editor API here, so it is tested
 * on its own.
 */
import * as path from 'node:path';

export interface ExportLocationInputs {
  home: string;
  tmp: string;
  workspaceFolders: readonly string[];
  exists(dir: string): boolean;
}

/** `child` is `parent` or lies below it. */
export function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function exportFolder({ home, tmp, workspaceFolders, exists }: ExportLocationInputs): string {
  const candidates = [path.join(home, 'Downloads'), home, tmp];
  const outside = candidates.find((dir) => exists(dir) && !workspaceFolders.some((ws) => isWithin(dir, ws)));
  return outside ?? tmp;
}
