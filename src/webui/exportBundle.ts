/**
 * The diagnostics bundle of `mcp-tunnel run` (GET /api/logs/export and the
 * web UI's Export logs button): the log ring of this process, the text its
 * /metrics answers, the engine's status, system facts and the effective
 * configuration (argv, environment, the loaded profile and its YAML file),
 * every secret the logger knows (API key, header values, the UI token)
 * redacted by the bundle builder.
 */
import type { TunnelEngine } from '../engine/engine';
import type { Logger } from '../engine/log';
import { buildSupportBundle, type SupportBundle } from '../engine/supportBundle';
import type { LogRing } from './logRing';

/** What the command line loaded: the configuration the bundle shows. */
export interface RunConfiguration {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** The merged profile as loaded (secrets still as references). */
  profile: unknown;
  /** The profile file's text with its secret values hidden, when a file was loaded. */
  profileYaml?: string;
  profileFile?: string;
}

export async function daemonBundle(engine: TunnelEngine, logs: LogRing, logger: Logger, run: RunConfiguration, minutes: number): Promise<SupportBundle> {
  return buildSupportBundle({
    host: 'daemon',
    minutes,
    logs: logs.query(),
    metricsText: await engine.metrics.registry.metrics(),
    status: engine.status(),
    config: { argv: run.argv, env: run.env, profile: run.profile, profileYaml: run.profileYaml },
    secrets: logger.secretValues,
    system: { command: 'mcp-tunnel run', healthUrl: engine.healthUrl, profileFile: run.profileFile, logLevel: logger.level },
  });
}
