/** `run`, `doctor` and `init`: the commands that work on a tunnel profile. */
import { TunnelEngine } from '../engine/engine';
import { nextSteps, runInit } from './init';
import { formatDoctor, formatReferenceDoctorJson, runDoctor } from '../doctor';
import { loadProfile, type ProfileFlags } from '../profiles/load';
import { resolveProfile } from '../profiles/resolve';
import { isSecretReference } from '../profiles/schema';
import type { CliValues } from './options';
import { createCliLogger, onShutdownSignal, UsageError } from './output';
import { sampleServerCommand } from './sampleServer';
import { resolveSample } from './samples';

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

/** `run --embedded-mcp-stub`: the bundled sample server is the main MCP server of this run. */
function runFlags(values: CliValues): ProfileFlags {
  const flags = flagsFrom(values);
  if (!values['embedded-mcp-stub']) return flags;
  if (flags.mcpCommand !== undefined || flags.mcpServerUrl !== undefined) {
    throw new UsageError('--embedded-mcp-stub is the main MCP server of this run: drop --mcp-command/--mcp-server-url, or drop --embedded-mcp-stub');
  }
  return { ...flags, mcpCommand: sampleServerCommand() };
}

export async function runRunCommand(values: CliValues): Promise<number> {
  const loaded = await loadProfile({ flags: runFlags(values), env: process.env, ...profileSource(values) });
  const warnings = [...loaded.warnings];
  const config = await resolveProfile(loaded.profile, { env: process.env, warnings, describeField: loaded.describeField });
  const logger = createCliLogger(config.log.level, loaded.profile.log.format);
  logger.addSecret(config.controlPlane.apiKey);
  for (const w of warnings) logger.warn(w);
  if (values['embedded-mcp-stub']) logger.info('embedded MCP stub: the bundled sample server (tools echo, add, countdown) is the main channel');
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

/** JSON report shapes: the reference daemon's (the default of --json, for its scripts) or this project's own. */
const JSON_SHAPES = ['reference', 'mcp-tunnel'] as const;

export async function runDoctorCommand(values: CliValues): Promise<number> {
  const shape = values['json-shape'];
  if (shape !== undefined && !(JSON_SHAPES as readonly string[]).includes(shape)) {
    throw new UsageError(`--json-shape must be ${JSON_SHAPES.join(' or ')}, not "${shape.slice(0, 40)}"`);
  }
  const source = profileSource(values);
  const report = await runDoctor({ flags: flagsFrom(values), env: process.env, ...source });
  const json = values.json || shape !== undefined;
  const text =
    json && shape !== 'mcp-tunnel' ? formatReferenceDoctorJson(report, source) : formatDoctor(report, { explain: values.explain, json });
  process.stdout.write(text + '\n');
  return report.exitCode;
}

export async function runInitCommand(values: CliValues): Promise<number> {
  const sample = resolveSample(values.sample, 'init');
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
  process.stdout.write(`${result.overwritten ? 'Replaced' : 'Wrote'} ${result.file}\n` + nextSteps(values.profile, result.file, values.dir !== undefined));
  return 0;
}
