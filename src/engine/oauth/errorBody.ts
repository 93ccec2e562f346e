/**
 * The body of an `oauth_discovery_response` that carries no metadata: an API
 * error in the shape the reference daemon uses for its refusals.
 */
export function oauthDiscoveryError(message: string, code = 'oauth_discovery_failed', type = 'server_error'): Record<string, unknown> {
  return { error: { message, type, code } };
}
