/**
 * Checks `api-key` and `api-key-kind`: the runtime API key is configured and
 * readable, then that it is a runtime key. One check function, as the second
 * result needs the key the first one read. The key is read to check it but
 * never printed or returned, not even in part.
 */
import { ConfigError } from '../../profiles/errors';
import { apiKeyProblem, profileApiKeySecret, SET_API_KEY_HINT } from '../../profiles/resolve';
import { isSecretReference } from '../../profiles/schema';
import { describeSecretReference, resolveSecret } from '../../profiles/secrets';
import { at, type DoctorInputs } from '../inputs';
import type { DoctorCheck } from '../report';

const ID = 'api-key';
const TITLE = 'API key';
const WHY = 'Every control-plane request carries the runtime API key as its bearer token.';

const fail = (detail: string, fix: string): DoctorCheck => ({ id: ID, title: TITLE, status: 'fail', detail, why: WHY, fix });
const warn = (detail: string, why: string, fix: string): DoctorCheck => ({ id: ID, title: TITLE, status: 'warn', detail, why, fix });
const ok = (detail: string): DoctorCheck => ({ id: ID, title: TITLE, status: 'ok', detail });

/** The `api-key` result, with the key when one could be read. */
async function readKey({ raw, opts, env, profileName, describeField, literalKeyMessage }: DoctorInputs): Promise<{ check: DoctorCheck; key?: string }> {
  const ref = at(raw, ['controlPlane', 'apiKey']);
  const field = describeField(['controlPlane', 'apiKey']);
  const fix = `Export CONTROL_PLANE_API_KEY, set ${field}: env:NAME or file:/path, or ${SET_API_KEY_HINT}`;
  if (ref === undefined && opts.secretStore && typeof profileName === 'string') {
    // The editor's way: a profile without apiKey uses the key stored for it, as the tunnel does.
    const stored = await opts.secretStore.get(profileApiKeySecret(profileName));
    if (stored === undefined || stored === '') {
      return { check: fail(`No API key is stored for the profile "${profileName}"`, "Run 'MCP Tunnel: Set API Key…' for this profile, or set apiKey to env:NAME or file:/path") };
    }
    return { key: stored, check: ok(`The key stored for the profile "${profileName}" in the editor's secret storage`) };
  }
  if (ref === undefined) return { check: fail('No API key is configured', fix) };
  if (typeof ref !== 'string' || ref === '') return { check: fail(`${field} is not a reference such as env:NAME`, fix) };

  const warnings: string[] = [];
  let key: string;
  try {
    key = await resolveSecret(ref, { ...opts, env, field, hint: SET_API_KEY_HINT, warnings });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { check: fail(`${err.field}: ${err.problem}`, err.fix) };
  }
  if (!isSecretReference(ref)) {
    const detail = literalKeyMessage ?? `${field} holds the key itself`;
    const why = 'Anyone who can read the configuration, its backups or a screen share of it can use the key.';
    return { key, check: warn(detail, why, 'Move the key to an environment variable or a private file, and write api_key: env:CONTROL_PLANE_API_KEY or api_key: file:/path') };
  }
  if (warnings.length > 0) {
    return { key, check: warn(warnings.join('\n'), 'Other users of this machine can read the key file and use the key.', 'Make the file readable by its owner only (chmod 600)') };
  }
  return { key, check: ok(`Read from ${describeSecretReference(ref)}`) };
}

/** The `api-key-kind` result: not an admin key, no stray whitespace. */
function keyKind(key: string, ref: unknown): DoctorCheck {
  const problem = apiKeyProblem(key);
  if (!problem) return { id: 'api-key-kind', title: 'API key is a runtime key', status: 'ok', detail: 'Not an admin key' };
  const admin = problem.problem.includes('admin');
  return {
    id: 'api-key-kind',
    title: 'API key is a runtime key',
    status: 'fail',
    detail: `The key from ${typeof ref === 'string' ? describeSecretReference(ref) : 'the editor\'s secret storage'} ${problem.problem}`,
    why: admin
      ? 'Admin keys manage the whole organization. The tunnel runs unattended next to your private servers, so it must only hold a runtime key limited to Tunnels Read + Use.'
      : 'The key is sent as a bearer token; stray whitespace makes every request fail with 401.',
    fix: problem.fix,
  };
}

export async function apiKey(inputs: DoctorInputs): Promise<DoctorCheck[]> {
  const { check, key } = await readKey(inputs);
  return key === undefined ? [check] : [check, keyKind(key, at(inputs.raw, ['controlPlane', 'apiKey']))];
}
