/**
 * The doctor's report in an editor tab, one per profile: Run Doctor again
 * refreshes the same tab. The page has no scripts; its fix links are command
 * URIs, allowed for the doctor's own commands only.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { DoctorReport } from '../doctor/report';
import { dashboardIcon } from './dashboard/panel';
import { DOCTOR_COMMANDS, doctorReportHtml } from './doctorReport';

export const DOCTOR_VIEW_TYPE = 'mcpTunnel.doctor';

export class DoctorReports implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  show(profile: string, report: DoctorReport): void {
    let panel = this.panels.get(profile);
    if (panel) panel.reveal(undefined, false);
    else {
      panel = vscode.window.createWebviewPanel(DOCTOR_VIEW_TYPE, `Doctor: ${profile}`, vscode.ViewColumn.Active, {
        enableScripts: false,
        enableCommandUris: DOCTOR_COMMANDS,
        enableFindWidget: true,
        localResourceRoots: [],
      });
      panel.iconPath = dashboardIcon(this.extensionUri);
      const opened = panel;
      opened.onDidDispose(() => {
        if (this.panels.get(profile) === opened) this.panels.delete(profile);
      });
      this.panels.set(profile, panel);
    }
    panel.webview.html = doctorReportHtml(report, profile, { nonce: randomBytes(16).toString('base64'), ranAt: new Date() });
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}
