/**
 * Tunnel profiles as the editor sees them: read from `mcpTunnel.profiles` in
 * user and workspace settings, validated by the one profile schema, and
 * checked against workspace trust.
 */
import * as vscode from 'vscode';
import { DEFAULTS } from '../engine/config';
import type { TunnelProfile } from '../profiles/schema';
import { lazy } from './lazy';
import { SETTINGS_SECTION } from './settings';

export type ProfileScope = 'user' | 'workspace';

export interface ProfileEntry {
  name: string;
  /** Its position in its scope's `mcpTunnel.profiles` array: where an edit applies. */
  index: number;
  /** Unique among the entries shown: the name, or `name (2)` for a second profile of that name. */
  key: string;
  scope: ProfileScope;
  /** Exactly as written in settings. */
  raw: Record<string, unknown>;
  /** Present when the profile is valid. */
  profile?: TunnelProfile;
  /** Validation message naming the field and the fix (the first of `problems`). */
  error?: string;
  /** Every problem found, each naming the field and the fix. */
  problems?: string[];
  /** The field of each problem, as the problem names it (`controlPlane.tunnelId`, `mcp.servers[0].url`). */
  problemFields?: (string | undefined)[];
  /** Starts a local process (a stdio MCP server). */
  runsCommand: boolean;
  /** Why this profile may not start here (Restricted Mode). */
  blockedReason?: string;
  /**
   * Runs on this machine only (`"loopback": true`): it polls a relay the
   * editor starts for it, so it has no control plane, tunnel id or key.
   */
  loopback: boolean;
}

/**
 * What a loopback profile is validated with in place of its control plane:
 * never used, since the relay the editor starts supplies the real one.
 */
const LOOPBACK_CONTROL_PLANE = { baseUrl: 'http://127.0.0.1:1', tunnelId: `tunnel_${'0'.repeat(32)}` };

/** `"loopback": true` and a `controlPlane` exclude each other. */
export const LOOPBACK_WITH_CONTROL_PLANE =
  'controlPlane: a loopback profile ("loopback": true) polls the relay the editor starts on this machine, so it has no control plane: remove controlPlane, or remove "loopback" to use the control plane';

/** The profile as the shared schema sees it: a loopback profile gets the placeholder control plane, without its `loopback` key. */
function asSchemaProfile(obj: Record<string, unknown>): { profile: unknown; problem?: string } {
  if (obj.loopback === undefined) return { profile: obj };
  const { loopback, ...rest } = obj;
  if (loopback !== true && loopback !== false) return { profile: rest, problem: 'loopback: must be true or false' };
  if (!loopback) return { profile: rest };
  if (rest.controlPlane !== undefined) return { profile: rest, problem: LOOPBACK_WITH_CONTROL_PLANE };
  return { profile: { ...rest, controlPlane: LOOPBACK_CONTROL_PLANE } };
}


function runsCommand(raw: Record<string, unknown>): boolean {
  const servers = (raw.mcp as { servers?: unknown[] } | undefined)?.servers;
  // A reference to .vscode/mcp.json may name a stdio server: count it as a command.
  return Array.isArray(servers) && servers.some((s) => typeof s === 'object' && s !== null && ('command' in s || 'mcpServer' in s));
}

function toEntry(raw: unknown, scope: ProfileScope, index: number, trusted: boolean): ProfileEntry {
  const obj = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const name = typeof obj.name === 'string' && obj.name ? obj.name : `profile ${index + 1}`;
  const entry: ProfileEntry = { name, index, key: name, scope, raw: obj, runsCommand: runsCommand(obj), loopback: obj.loopback === true };
  const { profile, problem } = asSchemaProfile(obj);
  const parsed = lazy.schema().TunnelProfileSchema.safeParse(profile);
  const problems = problem ? [problem] : [];
  const fields: (string | undefined)[] = problem ? [problem.split(':')[0]] : [];
  if (!parsed.success) {
    const error = lazy.errors().fromZod(parsed.error, { kind: 'settings', file: scope === 'user' ? 'user settings' : 'workspace settings' });
    problems.push(...error.all.map((e) => e.message));
    fields.push(...error.all.map((e) => e.field));
  }
  if (problems.length > 0) {
    entry.error = problems[0];
    entry.problems = problems;
    entry.problemFields = fields;
  } else if (parsed.success) entry.profile = parsed.data;
  if (!trusted && scope === 'workspace') {
    // A workspace could otherwise run any program, or send a stored key to a control plane of its choosing.
    // A loopback profile talks to a relay the editor starts, never to a control plane the workspace names.
    const baseUrl = (obj.controlPlane as { baseUrl?: unknown } | undefined)?.baseUrl;
    if (entry.runsCommand) {
      entry.blockedReason = 'Restricted Mode: this workspace is not trusted, so its profiles that start a command are not run. Trust the workspace to start it.';
    } else if (baseUrl !== undefined && baseUrl !== DEFAULTS.baseUrl) {
      entry.blockedReason = 'Restricted Mode: this workspace is not trusted, so its profiles that name their own control plane are not run. Trust the workspace to start it.';
    }
  }
  return entry;
}

/** Every profile from user and workspace settings; a workspace profile hides a user profile of the same name. */
export function readProfiles(): ProfileEntry[] {
  const inspected = vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<unknown[]>('profiles');
  const trusted = vscode.workspace.isTrusted;
  const user = (Array.isArray(inspected?.globalValue) ? inspected.globalValue : []).map((p, i) => toEntry(p, 'user', i, trusted));
  const workspace = (Array.isArray(inspected?.workspaceValue) ? inspected.workspaceValue : []).map((p, i) => toEntry(p, 'workspace', i, trusted));
  flagDuplicates(user, 'user');
  flagDuplicates(workspace, 'workspace');
  const names = new Set(workspace.map((p) => p.name));
  return [...workspace, ...user.filter((p) => !names.has(p.name))];
}

/**
 * Two profiles of one name in the same settings would silently become one:
 * the first is used, every later one is shown as invalid, and says why.
 */
function flagDuplicates(entries: ProfileEntry[], scope: ProfileScope): void {
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const count = (seen.get(entry.name) ?? 0) + 1;
    seen.set(entry.name, count);
    if (count === 1) continue;
    entry.key = `${entry.name} (${count})`;
    const problem = `Another profile in ${scope} settings is already named "${entry.name}", so this one is not used: give it a name of its own`;
    entry.profile = undefined;
    entry.problems = [problem, ...(entry.problems ?? [])];
    entry.problemFields = ['name', ...(entry.problemFields ?? [])];
    entry.error = problem;
  }
}

