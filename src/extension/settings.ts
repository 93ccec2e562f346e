/**
 * The extension's one reader of its editor-only settings. Values are checked
 * against the declarations the extension ships (package.json, generated from
 * the zod schema), so a default is written in one place.
 */
import * as vscode from 'vscode';
import { contributes } from '../../package.json';
import { readEditorSettings, SETTINGS_SECTION, type EditorSettings, type SettingDeclaration } from '../profiles/editorSettings';

export { SETTINGS_SECTION };

export function editorSettings(): EditorSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return readEditorSettings((key) => config.get(key), contributes.configuration.properties as Record<string, SettingDeclaration>);
}

/** Writes one editor setting to the user settings. */
export async function updateEditorSetting<K extends keyof EditorSettings>(key: K, value: EditorSettings[K]): Promise<void> {
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}
