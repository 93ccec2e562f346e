/**
 * `mcp-tunnel doctor` and the editor's Run Doctor: checks a profile before
 * it runs and says what to do about each problem. The checks run in this
 * order, each adding its results to the report; the order is the report's.
 */
import { apiKey } from './checks/apiKey';
import { configUnreadable, configuration } from './checks/config';
import { healthAddress, healthUrlFile } from './checks/health';
import { mcpServers } from './checks/mcpServers';
import { oauthMetadata } from './checks/oauthMetadata';
import { tlsFiles } from './checks/tlsFiles';
import { tunnelId } from './checks/tunnelId';
import { readInputs, type Check, type DoctorOptions } from './inputs';
import { toReport, type DoctorCheck, type DoctorReport } from './report';

const CHECKS: readonly Check[] = [configuration, tunnelId, apiKey, mcpServers, oauthMetadata, healthAddress, healthUrlFile, tlsFiles];

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const read = await readInputs(opts);
  if (!read.ok) return toReport([configUnreadable(read.error)], opts.profileName, opts.profileFile);
  const checks: DoctorCheck[] = [];
  for (const check of CHECKS) checks.push(...(await check(read.inputs)));
  return toReport(checks, read.inputs.profileName, read.inputs.file);
}
