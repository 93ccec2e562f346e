/**
 * Run Doctor's report as a page: a summary, then each check with what it
 * found, why it matters and what to do, and the fix as a link that runs the
 * command doing it (Set API Key…, Edit Profiles at the profile, Run Doctor
 * again). Plain HTML without scripts; the panel allows command links to
 * DOCTOR_COMMANDS only. No editor API here, so it is tested on its own.
 */
import type { CheckStatus, DoctorCheck, DoctorReport } from '../doctor/report';
import { escapeHtml, htmlPage } from './html';

/** The only commands the report's links may run. */
export const DOCTOR_COMMANDS = ['mcpTunnel.setApiKey', 'mcpTunnel.editProfiles', 'mcpTunnel.runDoctor', 'mcpTunnel.showLogs'] as const;
export type DoctorCommand = (typeof DOCTOR_COMMANDS)[number];

export interface FixLink {
  title: string;
  command: DoctorCommand;
  args: unknown[];
}

export function commandUri(link: FixLink): string {
  return `command:${link.command}${link.args.length ? `?${encodeURIComponent(JSON.stringify(link.args))}` : ''}`;
}

/** The commands that fix a check that did not pass. */
export function fixLinks(check: DoctorCheck, profile: string): FixLink[] {
  if (check.status === 'ok') return [];
  const edit: FixLink = { title: 'Edit Profiles', command: 'mcpTunnel.editProfiles', args: [profile] };
  if (check.id === 'api-key' || check.id === 'api-key-kind') return [{ title: 'Set API Key…', command: 'mcpTunnel.setApiKey', args: [profile] }, edit];
  if (check.id === 'config' && /cannot be read/i.test(check.detail)) return [];
  return [edit];
}

const MARK: Record<CheckStatus, { word: string; symbol: string }> = {
  ok: { word: 'OK', symbol: '✓' },
  warn: { word: 'Warning', symbol: '!' },
  fail: { word: 'Failed', symbol: '✗' },
};

export function summaryLine(report: DoctorReport): string {
  const { fail, warn, ok } = report.counts;
  if (fail === 0 && warn === 0) return ok === 1 ? 'The one check passed.' : `All ${ok} checks passed.`;
  const parts = [fail ? `${fail} failed` : '', warn ? `${warn} warning${warn === 1 ? '' : 's'}` : '', ok ? `${ok} passed` : ''].filter(Boolean);
  return `${parts.join(', ')}.`;
}

function link(l: FixLink, cls = 'button'): string {
  return `<a class="${cls}" href="${escapeHtml(commandUri(l))}">${escapeHtml(l.title)}</a>`;
}

function checkHtml(check: DoctorCheck, profile: string): string {
  const mark = MARK[check.status];
  const fixes = fixLinks(check, profile);
  const rows = [
    `<h2><span class="mark" aria-hidden="true">${mark.symbol}</span> <span class="status">${mark.word}</span>: ${escapeHtml(check.title)}</h2>`,
    `<p class="detail">${escapeHtml(check.detail)}</p>`,
  ];
  if (check.status !== 'ok') {
    if (check.why) rows.push(`<p class="why"><strong>Why it matters:</strong> ${escapeHtml(check.why)}</p>`);
    if (check.fix) rows.push(`<p class="fix"><strong>What to do:</strong> ${escapeHtml(check.fix)}</p>`);
    if (fixes.length) rows.push(`<p class="fixes">${fixes.map((f) => link(f)).join(' ')}</p>`);
  }
  return `<li class="check status-${check.status}" data-check="${escapeHtml(check.id)}">\n${rows.join('\n')}\n</li>`;
}

function section(id: string, title: string, checks: readonly DoctorCheck[], profile: string): string {
  if (!checks.length) return '';
  return `<section aria-labelledby="${id}">\n<h2 id="${id}" class="section">${title}</h2>\n<ol class="checks">\n${checks.map((c) => checkHtml(c, profile)).join('\n')}\n</ol>\n</section>`;
}

/** The whole page; `nonce` is the style's. */
export function doctorReportHtml(report: DoctorReport, profile: string, page: { nonce: string; ranAt: Date }): string {
  const again: FixLink = { title: 'Run Doctor', command: 'mcpTunnel.runDoctor', args: [profile] };
  const logs: FixLink = { title: 'Show Logs', command: 'mcpTunnel.showLogs', args: [] };
  const tone = report.counts.fail ? 'fail' : report.counts.warn ? 'warn' : 'ok';
  return htmlPage({
    csp: ["default-src 'none'", `style-src 'nonce-${page.nonce}'`, "base-uri 'none'", "form-action 'none'"],
    title: `Doctor: ${profile}`,
    head: `<style nonce="${page.nonce}">${STYLE}</style>`,
    body: `<main class="report">
<header>
<h1>Doctor: profile “${escapeHtml(profile)}”</h1>
<p class="summary status-${tone}" role="status">${escapeHtml(summaryLine(report))}</p>
<p class="meta">Checked at ${escapeHtml(page.ranAt.toLocaleTimeString())}. ${link(again, 'button secondary')} ${link(logs, 'button secondary')}</p>
</header>
${section('h-problems', 'Problems', report.checks.filter((c) => c.status !== 'ok'), profile)}
${section('h-passed', 'Passed', report.checks.filter((c) => c.status === 'ok'), profile)}
</main>`,
  });
}

/* Theme colours only, so light, dark and High Contrast themes read right. */
const STYLE = `
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size, 13px); line-height: 1.5; margin: 0; }
.report { max-width: 860px; padding: 16px 24px 32px; }
h1 { font-size: 1.5em; font-weight: 600; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.05em; font-weight: 600; margin: 0 0 4px; }
h2.section { font-size: 0.85em; text-transform: uppercase; letter-spacing: 0.04em; color: var(--vscode-descriptionForeground); margin: 20px 0 8px; }
.summary { font-size: 1.1em; margin: 4px 0; }
.meta { color: var(--vscode-descriptionForeground); display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.checks { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.check { border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35)); border-left-width: 4px; border-radius: 4px; padding: 8px 12px; }
.check p { margin: 4px 0; overflow-wrap: anywhere; }
.detail { white-space: pre-wrap; font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 12px); }
.status-ok .mark { color: var(--vscode-testing-iconPassed, #388a34); }
.status-warn .mark { color: var(--vscode-editorWarning-foreground, #bf8803); }
.status-fail .mark { color: var(--vscode-errorForeground, #f14c4c); }
.check.status-ok { border-left-color: var(--vscode-testing-iconPassed, #388a34); }
.check.status-warn { border-left-color: var(--vscode-editorWarning-foreground, #bf8803); }
.check.status-fail { border-left-color: var(--vscode-errorForeground, #f14c4c); }
.fixes { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
a.button { display: inline-block; padding: 3px 12px; border-radius: 2px; text-decoration: none; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-button-border, transparent); }
a.button:hover { background: var(--vscode-button-hoverBackground); }
a.button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
a.button.secondary:hover { background: var(--vscode-button-secondaryHoverBackground); }
a:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
body.vscode-high-contrast .check { border-color: var(--vscode-contrastBorder); }
`;
