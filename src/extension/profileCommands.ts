/**
 * Remove Profile, Rename Profile and Duplicate Profile: the settings are
 * edited in the scope that defines the profile (user or workspace), and its
 * API key in secret storage goes with it (moved, copied or deleted). A
 * running profile is stopped first; a renamed one is started again.
 */
import * as vscode from 'vscode';
import { PROFILE_NAME_PATTERN } from '../profiles/schema';
import { duplicateProfileAt, profileNames, removeProfileAt, renameProfileAt } from './profileEdits';
import { uniqueName } from './profileNames';
import type { ProfileEntry, ProfileScope } from './profiles';
import type { ApiKeys } from './secrets';
import { SETTINGS_SECTION } from './settings';
import type { TunnelManager } from './tunnels';

/** What the commands need of the controller. */
export interface ProfileCommandDeps {
  keys: ApiKeys;
  tunnels: TunnelManager;
  profiles(): ProfileEntry[];
  reload(): ProfileEntry[];
  pick(arg: unknown, placeHolder: string): Promise<ProfileEntry | undefined>;
  stopName(name: string): Promise<void>;
  runsOnLoopback(name: string): boolean;
  startEntry(entry: ProfileEntry, override?: undefined, quiet?: boolean): Promise<boolean>;
  startLoopbackEntry(entry: ProfileEntry, quiet?: boolean): Promise<boolean>;
  /** Closes the profile's dashboard, if open (the panels live in the activation bundle, these commands in a deferred one). */
  closeDashboard(name: string): void;
}

const target = (scope: ProfileScope) => (scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace);
const scopeWords = (scope: ProfileScope) => (scope === 'user' ? 'user settings' : 'workspace settings');

/** The `mcpTunnel.profiles` array of one scope, as written there. */
export function scopeProfiles(scope: ProfileScope): unknown[] {
  const inspected = vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<unknown[]>('profiles');
  const value = scope === 'user' ? inspected?.globalValue : inspected?.workspaceValue;
  return Array.isArray(value) ? value : [];
}

/** Rewrites one scope's `mcpTunnel.profiles`; an empty list removes the setting from that scope. */
export async function updateScopeProfiles(scope: ProfileScope, edit: (list: unknown[]) => unknown[]): Promise<void> {
  const next = edit(scopeProfiles(scope));
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('profiles', next.length > 0 ? next : undefined, target(scope));
}

/** Whether a profile of this name remains in the other scope: then the key, shared by name, stays. */
function nameStaysInOtherScope(name: string, scope: ProfileScope): boolean {
  return profileNames(scopeProfiles(scope === 'user' ? 'workspace' : 'user')).includes(name);
}

/**
 * Names a new profile may not take: every profile of both scopes (a hidden
 * user profile shares its key with a workspace profile of its name), except
 * the one being renamed.
 */
function takenNames(except?: ProfileEntry): Set<string> {
  const names = new Set([...profileNames(scopeProfiles('user')), ...profileNames(scopeProfiles('workspace'))]);
  if (except && !nameStaysInOtherScope(except.name, except.scope)) names.delete(except.name);
  return names;
}

function askName(title: string, value: string, taken: Set<string>): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt: 'New profile name',
    value,
    valueSelection: [0, value.length],
    ignoreFocusOut: true,
    validateInput: (v) =>
      !PROFILE_NAME_PATTERN.test(v) ? 'Use 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit' : taken.has(v) ? `A profile named "${v}" exists` : undefined,
  });
}

export async function removeProfile(deps: ProfileCommandDeps, arg: unknown): Promise<void> {
  const entry = await deps.pick(arg, 'Remove which profile?');
  if (!entry) return;
  const running = deps.tunnels.isRunning(entry.name);
  const yes = await vscode.window.showWarningMessage(
    `Remove the tunnel profile "${entry.name}"?`,
    {
      modal: true,
      detail: `It is deleted from ${scopeWords(entry.scope)}${running ? ' and stopped first' : ''}, with its API key in secret storage and its trace.`,
    },
    'Remove',
  );
  if (yes !== 'Remove') return;
  if (running) await deps.stopName(entry.name);
  await updateScopeProfiles(entry.scope, (list) => removeProfileAt(list, entry.index, entry.name));
  if (!nameStaysInOtherScope(entry.name, entry.scope)) await deps.keys.clear(entry.name);
  deps.tunnels.forget(entry.name);
  deps.closeDashboard(entry.name);
  deps.reload();
  void vscode.window.setStatusBarMessage(`Removed profile "${entry.name}" from ${scopeWords(entry.scope)}`, 5000);
}

export async function renameProfile(deps: ProfileCommandDeps, arg: unknown): Promise<void> {
  const entry = await deps.pick(arg, 'Rename which profile?');
  if (!entry) return;
  const name = await askName(`Rename "${entry.name}"`, entry.name, takenNames(entry));
  if (!name || name === entry.name) return;
  const running = deps.tunnels.isRunning(entry.name);
  const loopback = deps.runsOnLoopback(entry.name);
  if (running) await deps.stopName(entry.name);
  await updateScopeProfiles(entry.scope, (list) => renameProfileAt(list, entry.index, entry.name, name));
  // The key is kept by profile name: it follows the profile (and stays for a profile of the old name in the other scope).
  await deps.keys.transfer(entry.name, name, nameStaysInOtherScope(entry.name, entry.scope) ? 'copy' : 'move');
  deps.tunnels.rename(entry.name, name);
  deps.closeDashboard(entry.name);
  const renamed = deps.reload().find((e) => e.name === name && e.scope === entry.scope);
  void vscode.window.setStatusBarMessage(`Renamed profile "${entry.name}" to "${name}"`, 5000);
  if (running && renamed) await (loopback ? deps.startLoopbackEntry(renamed, true) : deps.startEntry(renamed, undefined, true));
}

export async function duplicateProfile(deps: ProfileCommandDeps, arg: unknown): Promise<void> {
  const entry = await deps.pick(arg, 'Duplicate which profile?');
  if (!entry) return;
  const taken = takenNames();
  const name = await askName(`Duplicate "${entry.name}"`, uniqueName(`${entry.name.slice(0, 50)}-copy`, taken), taken);
  if (!name) return;
  await updateScopeProfiles(entry.scope, (list) => duplicateProfileAt(list, entry.index, entry.name, name));
  const copied = await deps.keys.transfer(entry.name, name, 'copy');
  deps.reload();
  void vscode.window.setStatusBarMessage(`Duplicated "${entry.name}" as "${name}" in ${scopeWords(entry.scope)}${copied ? ', with its API key' : ''}`, 5000);
}
