/**
 * How the engine holds Harpoon: the channel is served (in the channel map,
 * declared in X-Tunnel-MCP-Server-Info with proc_affinity) only while at
 * least one target is registered; before that, a `harpoon` command is an
 * unsupported channel. Targets come from the configuration and from OAuth
 * discovery of the `main` server (private authorization-server hosts).
 */
import type { Registry } from 'prom-client';
import type { OAuthStatus } from '../events';
import type { Logger } from '../log';
import type { McpChannel } from '../mcp/channel';
import { HarpoonChannel } from './channel';
import { HARPOON_CHANNEL, type HarpoonConfig } from './config';
import type { Lookup } from './caller';
import { registerDiscoveredHosts } from './discovered';
import { harpoonUrlFor } from './rewrite';

export interface HarpoonWiringOptions {
  config: HarpoonConfig;
  channels: Map<string, McpChannel>;
  logger: Logger;
  metricsRegistry: Registry;
  secrets: () => readonly string[];
  /** The set of served channels changed: the server-info header must be rebuilt. */
  onServedChange: () => void;
  lookup?: Lookup;
}

export class HarpoonWiring {
  readonly channel: HarpoonChannel;
  private started = false;
  private discoveredFrom: string | undefined;

  constructor(private readonly o: HarpoonWiringOptions) {
    this.channel = new HarpoonChannel(o.config, o.logger.child('harpoon'), { secrets: o.secrets, metricsRegistry: o.metricsRegistry, lookup: o.lookup });
    if (this.channel.registry.size > 0) o.channels.set(HARPOON_CHANNEL, this.channel);
    this.channel.registry.on('change', () => this.served());
  }

  start(): void {
    this.started = true;
    void this.channel.start();
  }

  private served(): void {
    if (this.o.channels.get(HARPOON_CHANNEL) === this.channel) return;
    this.o.channels.set(HARPOON_CHANNEL, this.channel);
    if (this.started) void this.channel.start();
    this.o.logger.info('harpoon channel served: a target is registered', { targets: this.channel.registry.size });
    this.o.onServedChange();
  }

  /** OAuth discovery of the main server found metadata: register its private authorization-server endpoints. */
  discovered(status: OAuthStatus): void {
    if (status.state !== 'found') return;
    const key = JSON.stringify(status.urls.map((u) => [u.role, u.url]));
    if (key === this.discoveredFrom) return;
    this.discoveredFrom = key;
    registerDiscoveredHosts(status, this.channel.registry, this.o.config, this.o.logger.child('harpoon'));
  }

  /**
   * Protected-resource metadata as the connector gets it: an authorization
   * server registered as a Harpoon target is named `harpoon://LABEL`, so the
   * service reaches its metadata, registration and token endpoints through
   * the tunnel. A public one is left alone.
   */
  rewriteDiscovery(json: Record<string, unknown>): Record<string, unknown> {
    const servers = json.authorization_servers;
    if (!Array.isArray(servers) || this.channel.registry.size === 0) return json;
    const targets = this.channel.registry.list();
    return { ...json, authorization_servers: servers.map((s) => (typeof s === 'string' ? (harpoonUrlFor(s, targets, 'authorization_servers') ?? s) : s)) };
  }

  async close(): Promise<void> {
    if (this.o.channels.get(HARPOON_CHANNEL) !== this.channel) await this.channel.close();
  }
}
