/** `mcp-tunnel relay`: a local control plane and MCP front door, for engines started elsewhere. */
import type { Logger } from '../engine/log';
import { Relay } from '../relay/relay';
import { frontDoorFields, frontDoorLines } from './frontDoorInfo';
import { isSecretReference, resolveSecret } from '../profiles/secrets';
import { readFile } from 'node:fs/promises';
import type { CliValues } from './options';
import { onShutdownSignal, UsageError } from './output';

/**
 * The key engines must present is either generated (and printed once, so the
 * engine can be given it) or the user's own, given as a reference (env:NAME or
 * file:PATH) so it never sits in argv; a key of the user's is never printed.
 */
export async function runRelayCommand(values: CliValues, logger: Logger, frontDoorAuth: 'bearer' | 'none'): Promise<number> {
  const keyRef = values['api-key'];
  if (keyRef !== undefined && !isSecretReference(keyRef)) {
    throw new UsageError(
      '--api-key takes a reference (env:NAME or file:PATH), never the key itself: other users of this machine can read command lines. Leave it out to have the relay generate a key',
    );
  }
  const apiKey = keyRef !== undefined ? await resolveSecret(keyRef, { env: process.env, readFile: (p: string) => readFile(p, 'utf8'), field: '--api-key' }) : undefined;
  if (apiKey !== undefined) logger.addSecret(apiKey);
  const adminKeyRef = values['admin-key'];
  if (adminKeyRef !== undefined && !isSecretReference(adminKeyRef)) {
    throw new UsageError('--admin-key takes a reference (env:NAME or file:PATH), never the key itself. Leave it out to have the relay generate an admin key');
  }
  const adminKey = adminKeyRef !== undefined ? await resolveSecret(adminKeyRef, { env: process.env, readFile: (p: string) => readFile(p, 'utf8'), field: '--admin-key' }) : undefined;
  if (adminKey !== undefined) logger.addSecret(adminKey);
  if (adminKey !== undefined && adminKey === apiKey) throw new UsageError('--admin-key and --api-key name the same key: a runtime key and an admin key are never the same');
  const [organizationId, extraOrganization] = values['organization-id'] ?? [];
  const [workspaceId, extraWorkspace] = values['workspace-id'] ?? [];
  if (extraOrganization !== undefined || extraWorkspace !== undefined) throw new UsageError('the relay belongs to one organization and one workspace: give --organization-id and --workspace-id once each');
  const relay = new Relay({
    listen: values.listen ?? '127.0.0.1:0',
    listenSetting: '--listen',
    tunnelId: values['tunnel-id'],
    apiKey,
    adminKey,
    organizationId,
    workspaceId,
    frontDoorAuth,
    keepResponseBodies: false,
    logger: logger.child('relay'),
  });
  const info = await relay.start();
  onShutdownSignal(() => relay.close());
  const out: Record<string, string> = {
    mcp_url: info.mcpUrl,
    control_plane_base_url: info.url,
    tunnel_id: info.tunnelId,
  };
  if (keyRef === undefined) out.api_key = info.apiKey;
  else out.api_key_ref = keyRef;
  if (adminKeyRef === undefined) out.admin_key = info.adminKey;
  else out.admin_key_ref = adminKeyRef;
  out.organization_id = info.organizationId;
  out.workspace_id = info.workspaceId;
  Object.assign(out, frontDoorFields(info));
  if (values['print-json']) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    process.stdout.write(
      [
        'MCP Tunnel relay ready',
        `  control plane: CONTROL_PLANE_BASE_URL=${info.url} CONTROL_PLANE_TUNNEL_ID=${info.tunnelId}`,
        keyRef === undefined ? `  engine key:    CONTROL_PLANE_API_KEY=${info.apiKey}` : `  engine key:    the one in ${keyRef}`,
        adminKeyRef === undefined ? `  admin key:     OPENAI_ADMIN_KEY=${info.adminKey}` : `  admin key:     the one in ${adminKeyRef}`,
        `  scope:         --organization-id ${info.organizationId} --workspace-id ${info.workspaceId}`,
        `  MCP URL:       ${info.mcpUrl}`,
        ...frontDoorLines(info),
        '',
      ].join('\n'),
    );
  }
  return -1;
}
