/** `run`, `doctor` and `init`: the commands that work on a tunnel profile. */
import { TunnelEngine } from '../engine/engine';
import { INIT_SAMPLES, runInit, type InitSample } from './init';
import { formatDoctor, runDoctor } from '../doctor';
import { loadProfile, type ProfileFlags } from '../profiles/load';
import { resolveProfile } from '../profiles/resolve';
import { isSecretReference } from '../profiles/schema';
import type { CliValues } from './options';
import { createCliLogger, onShutdownSignal, UsageError } from './output';

export function flagsFrom(values: CliValues): ProfileFlags {
  const apiKey = values['api-key'];
  if (apiKey !== undefined && !isSecretReference(apiKey)) {
    throw new UsageError('--api-key takes a reference (env:NAME or file:PATH), never the key itself: other users of this machine can read command lines');
  }
  const flags: ProfileFlags = {
    tunnelId: values['tunnel-id'],
    baseUrl: values['base-url'],
    apiKey,
    mcpCommand: values['mcp-command'],
    mcpServerUrl: values['mcp-server-url'],
    healthListenAddr: values['health-listen'],
    healthUrlFile: values['health-url-file'],
    logLevel: values['log-level'],
    logFormat: values['log-format'],
  };
  for (const key of Object.keys(flags) as (keyof ProfileFlags)[]) if (flags[key] === undefined) delete flags[key];
  return flags;
}

function profileSource(values: CliValues): { profileName?: string; profileFile?: string } {
  if (values.profile && values['profile-file']) throw new UsageError('give either --profile NAME or --profile-file FILE, not both');
  return { profileName: values.profile, profileFile: values['profile-file'] };
}

export async function runRunCommand(values: CliValues): Promise<number> {
  const loaded = await loadProfile({ flags: flagsFrom(values), env: process.env, ...profileSource(values) });
  const warnings = [...loaded.warnings];
  const config = await resolveProfile(loaded.profile, { env: process.env, warnings, describeField: loaded.describeField });
  const logger = createCliLogger(config.log.level, loaded.profile.log.format);
  logger.addSecret(config.controlPlane.apiKey);
  for (const w of warnings) logger.warn(w);
  const engine = new TunnelEngine(config, { logger: logger.child('engine') });
  onShutdownSignal(() => engine.stop());
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
  const report = await runDoctor({ flags: flagsFrom(values), env: process.env, ...profileSource(values) });
  process.stdout.write(formatDoctor(report, { explain: values.explain, json: values.json }) + '\n');
  return report.exitCode;
}

export async function runInitCommand(values: CliValues): Promise<number> {
  const sample = values.sample;
  if (!sample || !(INIT_SAMPLES as readonly string[]).includes(sample)) {
    throw new UsageError(`init needs --sample ${INIT_SAMPLES.join('|')}`);
  }
  if (!values.profile) throw new UsageError('init needs --profile NAME (the file is written as NAME.yaml in the profile directory)');
  const result = await runInit({
    sample: sample as InitSample,
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
