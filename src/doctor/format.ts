/**
 * The doctor's report as text, the same for `mcp-tunnel doctor` and the
 * editor's Run Doctor document (or as JSON for scripts). Apart from the
 * checks so the editor can show a report without knowing how it was made.
 */
import type { CheckStatus, DoctorReport } from './report';

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

/** Human text (or JSON with `json`). `explain` adds why each failure or warning matters. */
export function formatDoctor(report: DoctorReport, opts: { explain?: boolean; json?: boolean } = {}): string {
  if (opts.json) return JSON.stringify(report, null, 2);
  const lines: string[] = [];
  const subject = report.profile ? `profile "${report.profile}"${report.file ? ` (${report.file})` : ''}` : 'configuration';
  lines.push(`mcp-tunnel doctor: ${subject}`, '');
  const indent = (text: string) => text.split('\n').map((l) => `        ${l}`);
  for (const check of report.checks) {
    lines.push(`  ${MARK[check.status]}  ${check.title}`);
    lines.push(...indent(check.detail));
    if (check.status !== 'ok') {
      if (opts.explain && check.why) lines.push(...indent(`why: ${check.why}`));
      if (check.fix) lines.push(...indent(`fix: ${check.fix}`));
    }
  }
  const { fail, warn } = report.counts;
  lines.push('');
  if (fail === 0 && warn === 0) lines.push('All checks passed.');
  else {
    const parts = [fail > 0 ? `${fail} failed` : '', warn > 0 ? `${warn} warning${warn === 1 ? '' : 's'}` : ''].filter(Boolean);
    lines.push(`${parts.join(', ')}.${opts.explain || fail + warn === 0 ? '' : ' Run with --explain to see why each one matters.'}`);
  }
  return lines.join('\n') + '\n';
}
