/**
 * Validators built from the authoritative OpenAPI contract, kept with its
 * license notice in test/fixtures/reference/ (see the NOTICE there).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export const REFERENCE = path.resolve(__dirname, '..', 'fixtures', 'reference');

let cache: Record<string, ValidateFunction> | undefined;

export function openApiValidators(): Record<string, ValidateFunction> {
  if (cache) return cache;
  const spec = JSON.parse(readFileSync(path.join(REFERENCE, 'tunnel-client-openapi.json'), 'utf8'));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(spec, 'openapi.json');
  const get = (name: string): ValidateFunction => ajv.getSchema(`openapi.json#/components/schemas/${name}`)!;
  const failureSchema = spec.components.schemas.TunnelResponsePayload.properties.resp_json['x-tunnel-failure-schema'];
  // The public file does not list OAuth discovery; the hosted service and the reference daemon
  // speak it. The same contract with that one response type added:
  const withOAuth = structuredClone(spec);
  withOAuth.components.schemas.ResponsePayloadType.enum.push('oauth_discovery_response');
  ajv.addSchema(withOAuth, 'openapi-oauth.json');
  cache = {
    PolledCommandList: get('PolledCommandList'),
    TunnelResponsePayload: get('TunnelResponsePayload'),
    TunnelClientMetadata: get('TunnelClientMetadata'),
    APIErrorResponse: get('APIErrorResponse'),
    TunnelResponseAck: get('TunnelResponseAck'),
    TunnelFailure: ajv.compile(failureSchema),
    OAuthTunnelResponsePayload: ajv.getSchema('openapi-oauth.json#/components/schemas/TunnelResponsePayload')!,
  };
  return cache;
}

function errorsOf(validate: ValidateFunction, value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/** Problems with a response POST body, including any tunnel_failure provenance; [] when valid. */
export function validateResponsePayload(body: unknown): string[] {
  const v = openApiValidators();
  const oauth = (body as { resp_type?: unknown })?.resp_type === 'oauth_discovery_response';
  const problems = errorsOf(oauth ? v.OAuthTunnelResponsePayload! : v.TunnelResponsePayload!, body);
  const failure = (body as { resp_json?: { error?: { data?: { tunnel_failure?: unknown } } } })?.resp_json?.error?.data?.tunnel_failure;
  if (failure !== undefined) problems.push(...errorsOf(v.TunnelFailure!, failure).map((p) => `tunnel_failure${p}`));
  return problems;
}
