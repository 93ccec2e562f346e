/** `run`, `doctor` and `init`: the commands that work on a tunnel profile. */
import { TunnelEngine } from '../engine/engine';
import { nextSteps, runInit } from './init';
import { formatDoctor, formatReferenceDoctorJson, runDoctor } from '../doctor';
import { readFile } from 'node:fs/promises';
import { loadProfile, type LoadedProfile, type LoadProfileOptions } from '../profiles/load';
import { resolveProfile } from '../profiles/resolve';
import type { CliValues } from './options';
import { onShutdownSignal, UsageError } from './output';
import { configSourceFrom, profileFlagsFrom } from './profileFlags';
import { createRunLogger, writePidFile } from './runFiles';
import { sampleServerCommand } from './sampleServer';
import { resolveSample } from './samples';
import { DaemonWebUi, webUiSwitches } from '../webui/daemon';
import type { RunConfiguration } from '../webui/exportBundle';
import { redactProfileText } from './profileRedact';

/** The profile sources a command line names: flags (both spellings), and the file it selects. */
function profileOptions(values: CliValues): LoadProfileOptions & { flagWarnings: string[] } {
  const { flags, spellings, warnings } = profileFlagsFrom(values);
  const { via: _via, ...source } = configSourceFrom(values, process.env);
  return { flags, flagSpellings: spellings, env: process.env, ...source, flagWarnings: warnings };
}

/** `run --embedded-mcp-stub`: the bundled sample server is the main MCP server of this run. */
function withEmbeddedStub(values: CliValues, options: LoadProfileOptions): LoadProfileOptions {
  if (!values['embedded-mcp-stub']) return options;
  const flags = options.flags ?? {};
  if (flags.mcpCommand !== undefined || flags.mcpServerUrl !== undefined) {
    throw new UsageError('--embedded-mcp-stub is the main MCP server of this run: drop --mcp-command/--mcp-server-url, or drop --embedded-mcp-stub');
  }
  return { ...options, flags: { ...flags, mcpCommand: sampleServerCommand() } };
}

export async function runRunCommand(values: CliValues): Promise<number> {
  const { flagWarnings, ...options } = profileOptions(values);
  const loaded = await loadProfile(withEmbeddedStub(values, options));
  const warnings = [...flagWarnings, ...loaded.warnings];
  const config = await resolveProfile(loaded.profile, { env: process.env, warnings, describeField: loaded.describeField });
  const { logger, close } = await createRunLogger(config.log.level, loaded.profile.log, loaded.describeField(['log', 'file']));
  logger.addSecret(config.controlPlane.apiKey);
  for (const w of warnings) logger.warn(w);
  if (values['embedded-mcp-stub']) logger.info('embedded MCP stub: the bundled sample server (tools echo, add, countdown) is the main channel');
  const removePidFile = await writePidFile(loaded.profile.process.pidFile, loaded.describeField(['process', 'pidFile']));
  const switches = webUiSwitches(loaded.profile.adminUi);
  const webUi = config.health ? new DaemonWebUi(logger, switches, config.health.urlFile, `MCP Tunnel: ${values.profile ?? config.controlPlane.tunnelId}`, await runConfiguration(loaded)) : undefined;
  if (!webUi && (switches.allowRemote || switches.open)) logger.warn('the web UI lives on the health server, which is off (empty health listen address): --allow-remote-ui and --open-web-ui do nothing');
  const engine = new TunnelEngine(config, { logger: logger.child('engine'), healthRoutes: webUi ? [webUi.server] : [] });
  webUi?.attach(engine, values.profile ?? config.controlPlane.tunnelId);
  onShutdownSignal(async () => {
    await engine.stop();
    await webUi?.close();
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
      // As the reference's startup line: the metadata URLs discovery tries, in order.
      ...(status.oauth ? { oauth_discovery_urls: status.oauth.urls.filter((u) => u.role === 'metadata_candidate').map((u, i) => `${i + 1}:${u.url}`) } : {}),
    });
  });
  return -1;
}

/** What the diagnostics bundle shows of this run's configuration: the profile file as `profiles show` prints it. */
async function runConfiguration(loaded: LoadedProfile): Promise<RunConfiguration> {
  let profileYaml: string | undefined;
  if (loaded.file) {
    try {
      profileYaml = redactProfileText(await readFile(loaded.file, 'utf8')).text;
    } catch (err) {
      profileYaml = `# ${loaded.file} could not be read again: ${(err as Error).message}\n`;
    }
  }
  return { argv: process.argv, env: process.env, profile: loaded.profile, profileYaml, profileFile: loaded.file };
}

/** JSON report shapes: the reference daemon's (the default of --json, for its scripts) or this project's own. */
const JSON_SHAPES = ['reference', 'mcp-tunnel'] as const;

export async function runDoctorCommand(values: CliValues): Promise<number> {
  const shape = values['json-shape'];
  if (shape !== undefined && !(JSON_SHAPES as readonly string[]).includes(shape)) {
    throw new UsageError(`--json-shape must be ${JSON_SHAPES.join(' or ')}, not "${shape.slice(0, 40)}"`);
  }
  const { flagWarnings, ...options } = profileOptions(values);
  for (const w of flagWarnings) process.stderr.write(`mcp-tunnel: ${w}\n`);
  const report = await runDoctor(options);
  const json = values.json || shape !== undefined;
  const text = json && shape !== 'mcp-tunnel' ? formatReferenceDoctorJson(report, options) : formatDoctor(report, { explain: values.explain, json });
  process.stdout.write(text + '\n');
  return report.exitCode;
}

export async function runInitCommand(values: CliValues): Promise<number> {
  const sample = resolveSample(values.sample, 'init', { mcpCommand: values['mcp-command'] });
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
