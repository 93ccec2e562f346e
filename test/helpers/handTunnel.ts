/**
 * The tunnel side of the control-plane protocol, played by hand: for relay
 * tests that script what a tunnel client polls and posts instead of running
 * the engine.
 */
import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
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

/** Plays the tunnel client by hand: one poll, then whatever responses the test posts. */
export class HandTunnel {
  constructor(private readonly info: RelayStartInfo) {}

  async next(): Promise<Polled> {
    const res = await fetch(`${this.info.url}/v1/tunnels/${this.info.tunnelId}/poll?limit=1&timeout_ms=5000`, {
      headers: { Authorization: `Bearer ${this.info.apiKey}` },
    });
    assert.equal(res.status, 200, 'a command arrives');
    return ((await res.json()) as { commands: Polled[] }).commands[0];
  }

  post(cmd: Polled, payload: Record<string, unknown>): Promise<number> {
    return postResponse(this.info, cmd, payload);
  }

  result(cmd: Polled, result: unknown, extra: Record<string, unknown> = {}): Promise<number> {
    return this.post(cmd, { resp_json: { jsonrpc: '2.0', id: cmd.jsonrpc?.id, result }, resp_code: 200, resp_type: 'jsonrpc_response', ...extra });
  }
}

/** node:http, because fetch will not send a forged Host header. */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
