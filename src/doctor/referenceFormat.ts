/**
 * The doctor's report in the JSON shape of the reference daemon's
 * `doctor --json` (`result`, `failed_checks`, `next`, and per check `id`,
 * `status` PASS/FAIL/SKIP, `summary`, `why`, `evidence`, `next`), so a script
 * written for the reference reads ours unchanged. The checks are ours, under
 * the reference's ids where the two check the same thing.
 */
import type { DoctorCheck, DoctorReport } from './report';

export type ReferenceStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface ReferenceCheck {
  id: string;
  status: ReferenceStatus;
  summary: string;
  why?: string;
  evidence?: string[];
  next?: string[];
}

export interface ReferenceReport {
  result: 'ok' | 'fail';
  failed_checks?: string[];
  /** The command to run next, only when nothing failed. */
  next?: string;
  checks: ReferenceCheck[];
}

/** Where the configuration came from, as the CLI was told. */
export interface ReferenceSource {
  profileName?: string;
  profileFile?: string;
}

const REFERENCE_IDS: Record<string, string> = {
  config: 'config_validation',
  'tunnel-id': 'tunnel_id',
  'api-key': 'control_plane_api_key',
  'api-key-kind': 'control_plane_api_key_kind',
  health: 'health_listener',
  'health-url-file': 'health_url_file',
};

function referenceId(check: DoctorCheck): string {
  if (check.referenceId) return check.referenceId;
  if (REFERENCE_IDS[check.id]) return REFERENCE_IDS[check.id];
  if (check.id.startsWith('file:')) return `tls_file:${check.id.slice('file:'.length)}`;
  return check.id.replace(/-/g, '_');
}

function convert(check: DoctorCheck): ReferenceCheck {
  const [first, ...rest] = check.detail.split('\n');
  if (check.status === 'ok') {
    // A passing check's further lines (what it found) are its evidence.
    return rest.length > 0 ? { id: referenceId(check), status: 'PASS', summary: first, evidence: [first, ...rest] } : { id: referenceId(check), status: 'PASS', summary: first };
  }
  // The reference has no warning status: a warning does not fail the run, so it passes, saying why.
  const out: ReferenceCheck = {
    id: referenceId(check),
    status: check.status === 'fail' ? 'FAIL' : 'PASS',
    summary: check.status === 'warn' ? `warning: ${first}` : first,
  };
  if (check.why) out.why = check.why;
  out.evidence = [first, ...rest];
  if (check.fix) out.next = [check.fix];
  return out;
}

function sourceSummary(source: ReferenceSource): string {
  if (source.profileFile) return `profile file: ${source.profileFile}`;
  if (source.profileName) return `profile: ${source.profileName}`;
  return 'flags/environment only';
}

function runCommand(source: ReferenceSource): string {
  if (source.profileFile) return `mcp-tunnel run --profile-file ${source.profileFile}`;
  if (source.profileName) return `mcp-tunnel run --profile ${source.profileName}`;
  return 'mcp-tunnel run';
}

export function toReferenceReport(report: DoctorReport, source: ReferenceSource): ReferenceReport {
  const checks: ReferenceCheck[] = [{ id: 'config_source', status: 'PASS', summary: sourceSummary(source) }, ...report.checks.map(convert)];
  const failed = checks.filter((c) => c.status === 'FAIL').map((c) => c.id);
  if (failed.length > 0) return { result: 'fail', failed_checks: [...new Set(failed)], checks };
  return { result: 'ok', next: runCommand(source), checks };
}

export function formatReferenceDoctorJson(report: DoctorReport, source: ReferenceSource): string {
  return JSON.stringify(toReferenceReport(report, source), null, 2);
}
