/**
 * A dispatcher for discovery requests from an HTTP MCP target's settings:
 * the same TLS material and proxy the channel uses, but able to reach any
 * origin (the metadata may live elsewhere, the authorization server usually
 * does), so an Agent where the channel keeps a Pool for its one origin.
 */
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';
import type { HttpTarget } from '../config';
import { keepTlsErrors, tlsConnectOptions } from '../tls';

export function discoveryDispatcher(target: Pick<HttpTarget, 'tls' | 'proxy' | 'envProxy'>): Dispatcher {
  const connect = tlsConnectOptions(target.tls);
  if (target.proxy) return new ProxyAgent({ uri: target.proxy, requestTls: connect });
  // Explicit values (empty for unset), so undici does not read the environment itself.
  if (target.envProxy) return new EnvHttpProxyAgent({ ...target.envProxy, connect: keepTlsErrors(connect), requestTls: connect });
  return new Agent({ connect: keepTlsErrors(connect) });
}
