/** How `relay` and `loopback` tell a user what an MCP client must send to the front door. */
import type { RelayStartInfo } from '../relay/relay';

/**
 * What a client must send to the front door, for --print-json: `front_door_auth`
 * (bearer|none) and, with auth, the token, where `mcp_url` carries it
 * (`front_door_token_in: "mcp_url"`, its last path segment) and the URL
 * without it, for clients that send `Authorization: Bearer <front_door_token>`.
 */
export function frontDoorFields(info: RelayStartInfo): FrontDoorFields {
  if (info.frontDoorAuth !== 'bearer' || info.frontDoorToken === undefined) return { front_door_auth: 'none' };
  return { front_door_auth: 'bearer', front_door_token: info.frontDoorToken, front_door_token_in: 'mcp_url', mcp_url_without_token: info.mcpUrlWithoutToken };
}

export interface FrontDoorFields {
  front_door_auth: 'bearer' | 'none';
  front_door_token?: string;
  front_door_token_in?: 'mcp_url';
  mcp_url_without_token?: string;
}

/** The same, for people: the lines after "MCP URL:". */
export function frontDoorLines(info: RelayStartInfo): string[] {
  if (info.frontDoorAuth !== 'bearer' || info.frontDoorToken === undefined) return ['  front door:    no authentication (--front-door-auth none)'];
  return [
    '  front door:    the token is the MCP URL\'s last path segment: give a client the URL, nothing else',
    `                 (or ${info.mcpUrlWithoutToken} with Authorization: Bearer ${info.frontDoorToken}, for clients without OAuth)`,
  ];
}
