/**
 * OAuth endpoints found by discovery, registered as Harpoon targets when
 * their host is private: loopback, RFC 1918 / IPv6 ULA addresses, or a host
 * name matching `hosts_include_suffix` / `hosts_include_regex`. A public
 * authorization server is left alone: the connector reaches it directly.
 */
import { isIP } from 'node:net';
import type { OAuthStatus, OAuthUrlRole } from '../events';
import type { Logger } from '../log';
import { isLoopbackHost } from '../net';
import type { HarpoonConfig } from './config';
import type { HarpoonRegistry } from './registry';

/** Discovery roles registered, with the role name the targets' labels and tags use. */
const ROLES: Partial<Record<OAuthUrlRole, string>> = {
  authorization_server_metadata: 'auth-server-metadata',
  authorization_server: 'issuer',
  token_endpoint: 'token-endpoint',
  registration_endpoint: 'registration-endpoint',
  revocation_endpoint: 'revocation-endpoint',
  introspection_endpoint: 'introspection-endpoint',
  jwks_uri: 'jwks-uri',
};

function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  return /^f[cd][0-9a-f]{2}:/i.test(ip);
}

/** Whether auto-registration may add this host, and why (for the log). */
export function privateHostReason(hostname: string, config: Pick<HarpoonConfig, 'hostsIncludeLoopback' | 'hostsIncludePrivate' | 'hostsIncludeSuffix' | 'hostsIncludeRegex'>): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (config.hostsIncludeLoopback && isLoopbackHost(host)) return 'loopback';
  if (config.hostsIncludePrivate && isIP(host) && isPrivateAddress(host)) return 'private-ip';
  for (const suffix of config.hostsIncludeSuffix) {
    const s = suffix.trim().toLowerCase().replace(/^\./, '');
    if (s !== '' && (host === s || host.endsWith(`.${s}`))) return `suffix:${s}`;
  }
  for (const pattern of config.hostsIncludeRegex) {
    if (new RegExp(pattern, 'i').test(host)) return `regex:${pattern}`;
  }
  return undefined;
}

export function registerDiscoveredHosts(status: OAuthStatus, registry: HarpoonRegistry, config: HarpoonConfig, logger: Logger): void {
  for (const entry of status.urls) {
    const role = ROLES[entry.role];
    if (!role) continue;
    let url: URL;
    try {
      url = new URL(entry.url);
    } catch {
      continue;
    }
    const reason = privateHostReason(url.hostname, config);
    if (!reason) {
      logger.info('harpoon host auto-registration skipped: not a private host', { role, host: url.hostname });
      continue;
    }
    if (registry.list().some((t) => t.source === 'oauth' && t.url === url.href && t.tags.includes(role))) continue;
    const label = registry.freeLabel(`oauth-${role}-0`);
    try {
      registry.register({
        label,
        url: entry.url,
        description: `OAuth ${role.replace(/-/g, ' ')} found by discovery`,
        category: 'oauth',
        source: 'oauth',
        tags: role === 'auth-server-metadata' ? [role] : ['auth-server-metadata', role],
      });
      logger.info('harpoon host auto-registered', { label, role, host: url.hostname, inclusion_reason: reason });
    } catch (err) {
      logger.warn(`harpoon host auto-registration failed: ${(err as Error).message}`, { label, role });
    }
  }
}
