/**
 * Profile problems as errors in the settings files, where the user edits
 * them: the same problems, with the same severity, as the Tunnels view
 * shows (an invalid profile is an error there; VS Code's own schema check
 * marks settings only as warnings).
 */
import * as vscode from 'vscode';
import { locateProblem } from './problemLocations';
import type { ProfileEntry, ProfileScope } from './profiles';

const PROFILES_KEY = 'mcpTunnel.profiles';

export class SettingsDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('mcpTunnel');

  /** `userSettings`: the user settings.json (two folders above the extension's global storage). */
  constructor(private readonly userSettings: vscode.Uri) {}

  private file(scope: ProfileScope): { uri: vscode.Uri; root: string[] } | undefined {
    if (scope === 'user') return { uri: this.userSettings, root: [PROFILES_KEY] };
    const workspaceFile = vscode.workspace.workspaceFile;
    if (workspaceFile && workspaceFile.scheme === 'file') return { uri: workspaceFile, root: ['settings', PROFILES_KEY] };
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder && { uri: vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'), root: [PROFILES_KEY] };
  }

  async update(entries: readonly ProfileEntry[]): Promise<void> {
    for (const scope of ['user', 'workspace'] as const) {
      const file = this.file(scope);
      if (!file) continue;
      const invalid = entries.filter((e) => e.scope === scope && e.problems?.length);
      if (invalid.length === 0) {
        this.collection.delete(file.uri);
        continue;
      }
      let text: string;
      try {
        const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.uri.toString());
        text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(file.uri));
      } catch {
        this.collection.delete(file.uri);
        continue;
      }
      const document = lineIndex(text);
      const diagnostics: vscode.Diagnostic[] = [];
      for (const entry of invalid) {
        entry.problems!.forEach((problem, i) => {
          const span = locateProblem(text, file.root, entry.index, entry.problemFields?.[i]);
          if (!span) return;
          const range = new vscode.Range(document(span.offset), document(span.offset + span.length));
          const diagnostic = new vscode.Diagnostic(range, `Tunnel profile "${entry.name}": ${problem}`, vscode.DiagnosticSeverity.Error);
          diagnostic.source = 'MCP Tunnel';
          diagnostics.push(diagnostic);
        });
      }
      this.collection.set(file.uri, diagnostics);
    }
  }

  dispose(): void {
    this.collection.dispose();
  }
}

/** Offset → position, for text not open in an editor. */
function lineIndex(text: string): (offset: number) => vscode.Position {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return new vscode.Position(lo, offset - starts[lo]!);
  };
}
