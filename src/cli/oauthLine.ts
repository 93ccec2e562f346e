/**
 * The one line `mcp-tunnel run` and `mcp-tunnel loopback` log about OAuth
 * discovery when the tunnel turns ready: the same sentence the Tunnels view
 * and the dashboard show (webview/model/oauth.ts), with the endpoints a
 * connector needs as fields. Nothing for a stdio server.
 */
import type { EngineStatus } from '../engine/events';
import type { Logger } from '../engine/log';
import { oauthSummary } from '../../webview/model/oauth';

export interface OAuthLogLine {
  level: 'info' | 'warn';
  msg: string;
  fields: Record<string, string>;
}

export function oauthLogLine(status: EngineStatus): OAuthLogLine | undefined {
  if (!status.oauth) return undefined;
  const summary = oauthSummary(status.oauth);
  const fields: Record<string, string> = { oauth: status.oauth.state };
  // authorization_server, token_endpoint, registration_endpoint
  for (const e of summary.endpoints) fields[e.label.toLowerCase().replace(/ /g, '_')] = e.url;
  return { level: summary.tone === 'warn' ? 'warn' : 'info', msg: summary.headline, fields };
}

export function logOAuth(logger: Logger, status: EngineStatus): void {
  const line = oauthLogLine(status);
  if (line) logger[line.level](line.msg, line.fields);
}
