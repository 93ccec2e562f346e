/**
 * What a worker process inherits: the host's environment without anything
 * secret, and the secret values of a config, which must appear in neither
 * the environment nor any text the host makes.
 */
import type { EngineConfig } from '../engine/config';
import { isSecretKey } from '../engine/redact';

/** Env names that look like credentials, beyond what isSecretKey already catches (`*_KEY`, `*_AUTH`, …). */
const SECRET_NAME = /(^|_)(KEYS?|AUTH|PASS|PASSPHRASE|PAT|CREDS?)(_|$)/i;
/** Secrets shorter than this are not matched inside env values: they would match innocent paths. */
const MIN_SECRET_IN_VALUE = 8;

/**
 * The worker's environment: the host's, minus anything secret-looking by
 * name (CONTROL_PLANE_API_KEY, OPENAI_API_KEY, *_TOKEN, *_SECRET, *_KEY,
 * *_PASSWORD, *_CREDENTIALS, …) or holding one of `secrets` in its value,
 * plus ELECTRON_RUN_AS_NODE=1 (in the extension host process.execPath is
 * Electron; under plain node it is harmless). The engine reads no
 * environment itself: its API key travels only in the IPC 'start' message,
 * and what remains here is what Node needs to run (PATH, HOME, locale,
 * proxies, NODE_EXTRA_CA_CERTS). MCP servers get a smaller set still
 * (src/engine/mcp/childEnv.ts).
 */
export function workerEnvironment(base: NodeJS.ProcessEnv, secrets: readonly string[] = []): NodeJS.ProcessEnv {
  const needles = secrets.filter((s) => s.length >= MIN_SECRET_IN_VALUE);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || isSecretKey(name) || SECRET_NAME.test(name)) continue;
    if (needles.some((s) => value.includes(s))) continue;
    env[name] = value;
  }
  env.ELECTRON_RUN_AS_NODE = '1';
  return env;
}

/** Every secret value a config carries, for keeping them out of the environment and host-made text. */
export function configSecrets(config: EngineConfig): string[] {
  const cp = config.controlPlane;
  const out = [cp.apiKey, ...Object.values(cp.extraHeaders), cp.tls.key ?? ''];
  for (const target of config.mcp.targets) {
    if (target.kind === 'http') out.push(...Object.values(target.headers), ...Object.values(target.discoveryHeaders ?? {}), target.tls.key ?? '');
  }
  return out.filter((s) => typeof s === 'string' && s.length > 0);
}
