/** Read-only text documents the extension shows (the before/after of a Codex config change in a diff editor). */
import * as vscode from 'vscode';

export const SCHEME = 'mcp-tunnel';

export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  /** Holds `text` as the read-only document named `path`, for a diff editor. */
  put(path: string, text: string): vscode.Uri {
    this.contents.set(path, text);
    const uri = vscode.Uri.from({ scheme: SCHEME, path });
    this.changed.fire(uri);
    return uri;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
