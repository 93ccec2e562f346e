/**
 * Edits of one `mcpTunnel.profiles` array (the value of one settings scope):
 * remove, rename and duplicate the profile at an index. Free of the editor
 * API; src/extension/profileCommands.ts reads and writes the scope.
 */

/** The settings changed under us: the profile is no longer where it was read. */
export class StaleProfileError extends Error {
  constructor(name: string) {
    super(`profile "${name}" changed in settings meanwhile: try again`);
  }
}

function nameAt(list: readonly unknown[], index: number): string | undefined {
  const item = list[index];
  return typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string' ? (item as { name: string }).name : undefined;
}

function check(list: readonly unknown[], index: number, name: string): Record<string, unknown> {
  if (nameAt(list, index) !== name) throw new StaleProfileError(name);
  return list[index] as Record<string, unknown>;
}

/** The list without the profile at `index` (which must still be named `name`). */
export function removeProfileAt(list: readonly unknown[], index: number, name: string): unknown[] {
  check(list, index, name);
  return list.filter((_, i) => i !== index);
}

/** The list with the profile at `index` renamed; every other field, and its place, kept. */
export function renameProfileAt(list: readonly unknown[], index: number, name: string, newName: string): unknown[] {
  const profile = check(list, index, name);
  return list.map((item, i) => (i === index ? { ...profile, name: newName } : item));
}

/** The list with a copy of the profile at `index`, named `newName`, right after it. */
export function duplicateProfileAt(list: readonly unknown[], index: number, name: string, newName: string): unknown[] {
  const profile = check(list, index, name);
  const copy = { ...(structuredClone(profile) as Record<string, unknown>), name: newName };
  return [...list.slice(0, index + 1), copy, ...list.slice(index + 1)];
}

/** Names of the profiles of one scope's list. */
export function profileNames(list: readonly unknown[]): string[] {
  return list.map((_, i) => nameAt(list, i)).filter((n): n is string => n !== undefined);
}
