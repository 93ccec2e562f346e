/**
 * The doctor, shared by the CLI (`mcp-tunnel doctor`) and the editor (Run
 * Doctor). Plain Node: it reads profiles and asks the engine's helpers, and
 * never imports vscode, so both hosts load the same checks.
 */
export { runDoctor } from './run';
export { formatDoctor } from './format';
export { formatReferenceDoctorJson, toReferenceReport, type ReferenceCheck, type ReferenceReport } from './referenceFormat';
export { DOCTOR_FAILED_EXIT_CODE, type CheckStatus, type DoctorCheck, type DoctorReport } from './report';
export type { DoctorOptions } from './inputs';
export { findExecutable, probeTcp } from './probes';
