/** `run`, `doctor` and `init`: the commands that work on a tunnel profile. */
import { TunnelEngine } from '../engine/engine';
import { INIT_SAMPLES, initSampleFor, REFERENCE_SAMPLES, runInit } from './init';
import { formatDoctor, runDoctor } from '../doctor';
import { loadProfile, type LoadProfileOptions } from '../profiles/load';
import { resolveProfile } from '../profiles/resolve';
import type { CliValues } from './options';
import { onShutdownSignal, UsageError } from './output';
import { configSourceFrom, profileFlagsFrom } from './profileFlags';
import { createRunLogger, writePidFile } from './runFiles';

/** The profile sources a command line names: flags (both spellings), and the file it selects. */
function profileOptions(values: CliValues): LoadProfileOptions & { flagWarnings: string[] } {
  const { flags, spellings, warnings } = profileFlagsFrom(values);
  const { via: _via, ...source } = configSourceFrom(values, process.env);
  return { flags, flagSpellings: spellings, env: process.env, ...source, flagWarnings: warnings };
}

export async function runRunCommand(values: CliValues): Promise<number> {
  const { flagWarnings, ...options } = profileOptions(values);
  const loaded = await loadProfile(options);
  const warnings = [...flagWarnings, ...loaded.warnings];
  const config = await resolveProfile(loaded.profile, { env: process.env, warnings, describeField: loaded.describeField });
  const { logger, close } = await createRunLogger(config.log.level, loaded.profile.log, loaded.describeField(['log', 'file']));
  logger.addSecret(config.controlPlane.apiKey);
  for (const w of warnings) logger.warn(w);
  const removePidFile = await writePidFile(loaded.profile.process.pidFile, loaded.describeField(['process', 'pidFile']));
  const engine = new TunnelEngine(config, { logger: logger.child('engine') });
  onShutdownSignal(async () => {
    await engine.stop();
    await removePidFile();
    await close();
  });
  await engine.start();
  void engine.whenReady().then(() => {
    const status = engine.status();
    logger.info('tunnel ready', {
      tunnel_id: status.tunnelId,
      tunnel_name: status.tunnelName ?? '',
      control_plane: status.controlPlane,
      health_url: engine.healthUrl ?? '(disabled)',
    });
  });
  return -1;
}

export async function runDoctorCommand(values: CliValues): Promise<number> {
  const { flagWarnings, ...options } = profileOptions(values);
  for (const w of flagWarnings) process.stderr.write(`mcp-tunnel: ${w}\n`);
  const report = await runDoctor(options);
  process.stdout.write(formatDoctor(report, { explain: values.explain, json: values.json }) + '\n');
  return report.exitCode;
}

export async function runInitCommand(values: CliValues): Promise<number> {
  const sample = values.sample !== undefined ? initSampleFor(values.sample, { mcpCommand: values['mcp-command'] }) : undefined;
  if (!sample) throw new UsageError(`init needs --sample ${[...INIT_SAMPLES, ...REFERENCE_SAMPLES].join('|')}`);
  if (!values.profile) throw new UsageError('init needs --profile NAME (the file is written as NAME.yaml in the profile directory)');
  const result = await runInit({
    sample,
    profile: values.profile,
    dir: values.dir,
    force: values.force,
    tunnelId: values['tunnel-id'],
    mcpCommand: values['mcp-command'],
    mcpServerUrl: values['mcp-server-url'],
  });
  process.stdout.write(
    `${result.overwritten ? 'Replaced' : 'Wrote'} ${result.file}\n` +
      `Next: export CONTROL_PLANE_API_KEY (a runtime key with Tunnels Read + Use), then\n` +
      `  mcp-tunnel doctor --profile ${values.profile} --explain\n  mcp-tunnel run --profile ${values.profile}\n`,
  );
  return 0;
}
