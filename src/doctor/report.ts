/**
 * What the doctor hands back: one result per check, the counts and the exit
 * code. Its own module so the checks, the runner and the formatter agree on
 * it without importing each other.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** Why the check matters (shown with --explain). */
  why?: string;
  /** What to do about it. */
  fix?: string;
  /** The id the reference daemon's doctor gives this check, where `id` alone does not tell (see referenceFormat.ts). */
  referenceId?: string;
}

export interface DoctorReport {
  profile?: string;
  file?: string;
  checks: DoctorCheck[];
  counts: Record<CheckStatus, number>;
  /** 0 when nothing failed, 2 when any check failed (warnings do not fail). */
  exitCode: 0 | 2;
}

export const DOCTOR_FAILED_EXIT_CODE = 2;

export function toReport(checks: DoctorCheck[], profile?: string, file?: string): DoctorReport {
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const check of checks) counts[check.status]++;
  return { profile, file, checks, counts, exitCode: counts.fail > 0 ? DOCTOR_FAILED_EXIT_CODE : 0 };
}
