/**
 * Reading the editor-only settings (`mcpTunnel.restoreRunningTunnels`, `autoStart`, `trace.*`,
 * `logLevel`). Their one definition is the zod schema in `settingsSchema.ts`,
 * from which `npm run gen:settings` writes `contributes.configuration` into
 * package.json; this reader checks values against those generated
 * declarations (type, enum, range, default), so it needs no zod and the
 * extension can read its settings while it activates.
 */
import type { LogLevel } from '../engine/events';

export const SETTINGS_SECTION = 'mcpTunnel';

export const CAPTURE_PAYLOAD_MODES = ['auto', 'on', 'off'] as const;
export type CapturePayloadsSetting = (typeof CAPTURE_PAYLOAD_MODES)[number];

/** Which tunnels running before a reload are started again: `loopback` ones (the default), `all`, or none. */
export const RESTORE_MODES = ['loopback', 'all', 'off'] as const;
export type RestoreMode = (typeof RESTORE_MODES)[number];

export interface EditorSettings {
  autoStart: boolean;
  restoreRunningTunnels: RestoreMode;
  'trace.capturePayloads': CapturePayloadsSetting;
  'trace.maxEntries': number;
  logLevel: LogLevel;
}

export const EDITOR_SETTING_KEYS = ['autoStart', 'restoreRunningTunnels', 'trace.capturePayloads', 'trace.maxEntries', 'logLevel'] as const satisfies readonly (keyof EditorSettings)[];

/** The part of a contributed setting's JSON schema the reader checks. */
export interface SettingDeclaration {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

function valid(value: unknown, d: SettingDeclaration): boolean {
  if (value === undefined) return false;
  if (d.enum && !d.enum.includes(value)) return false;
  switch (d.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || (d.type === 'integer' && !Number.isInteger(value))) return false;
      return (d.minimum === undefined || value >= d.minimum) && (d.maximum === undefined || value <= d.maximum);
    default:
      return true;
  }
}

/**
 * Reads the editor settings leniently: a value VS Code would flag (wrong
 * type, not one of the choices, out of range) falls back to its declared
 * default, as an unset one does. `declarations` is `contributes.configuration.properties`.
 */
export function readEditorSettings(get: (key: string) => unknown, declarations: Readonly<Record<string, SettingDeclaration>>): EditorSettings {
  const out: Record<string, unknown> = {};
  for (const key of EDITOR_SETTING_KEYS) {
    const declaration = declarations[`${SETTINGS_SECTION}.${key}`] ?? {};
    const value = get(key);
    out[key] = valid(value, declaration) ? value : declaration.default;
  }
  return out as unknown as EditorSettings;
}
