/**
 * The tunnel side of the control-plane protocol, played by hand: for relay
 * tests that script what a tunnel client polls and posts instead of running
 * the engine.
 */
import type { RelayStartInfo } from '../../src/relay/relay';

/** A polled command as a test reads it off the wire. */
export interface Polled {
  request_id: string;
  shard_token: string;
  command_type: string;
  channel: string;
  headers: Record<string, string[]>;
  jsonrpc?: { jsonrpc: '2.0'; id?: string | number; method?: string; params?: Record<string, any>; result?: any };
}

/** POSTs a response for `cmd` (its request id, channel and shard token filled in); resolves with the relay's status. */
export async function postResponse(
  info: RelayStartInfo,
  cmd: Polled,
  payload: Record<string, unknown>,
  headers: Record<string, string> = { Authorization: `Bearer ${info.apiKey}` },
): Promise<number> {
  const res = await fetch(`${info.url}/v1/tunnels/${info.tunnelId}/response`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json', 'X-Tunnel-Shard-Token': cmd.shard_token },
    body: JSON.stringify({ request_id: cmd.request_id, channel: cmd.channel, ...payload }),
  });
  await res.arrayBuffer();
  return res.status;
}
