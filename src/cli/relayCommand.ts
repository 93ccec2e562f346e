/** `mcp-tunnel relay`: a local control plane and MCP front door, for engines started elsewhere. */
import type { Logger } from '../engine/log';
import { Relay } from '../relay/relay';
import { resolveSecret } from '../profiles/secrets';
import { readFile } from 'node:fs/promises';
import type { CliValues } from './main';
import { onShutdownSignal } from './output';

export async function runRelayCommand(values: CliValues, logger: Logger, frontDoorAuth: 'bearer' | 'none'): Promise<number> {
  // The key engines must present; a reference (env:NAME or file:PATH) so it never sits in argv.
  const apiKey = values['api-key'] ? await resolveSecret(values['api-key'], { env: process.env, readFile: (p: string) => readFile(p, 'utf8') }) : undefined;
  const relay = new Relay({ listen: values.listen ?? '127.0.0.1:0', tunnelId: values['tunnel-id'], apiKey, frontDoorAuth, keepResponseBodies: false, logger: logger.child('relay') });
  const info = await relay.start();
  onShutdownSignal(() => relay.close());
  const out: Record<string, string> = {
    mcp_url: info.mcpUrl,
    control_plane_base_url: info.url,
    tunnel_id: info.tunnelId,
    api_key: info.apiKey,
  };
  if (info.frontDoorToken && frontDoorAuth === 'bearer') out.front_door_token = info.frontDoorToken;
  if (values['print-json']) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    process.stdout.write(
      [
        'MCP Tunnel relay ready',
        `  control plane: CONTROL_PLANE_BASE_URL=${info.url} CONTROL_PLANE_TUNNEL_ID=${info.tunnelId}`,
        `  engine key:    CONTROL_PLANE_API_KEY=${info.apiKey}`,
        `  MCP URL:       ${info.mcpUrl}`,
        frontDoorAuth === 'bearer' ? `  front door:    Authorization: Bearer ${info.frontDoorToken}` : '  front door:    no authentication (--front-door-auth none)',
        '',
      ].join('\n'),
    );
  }
  return -1;
}
