/**
 * A relay (`mcp-tunnel relay`) run as a child of the extension host, for a
 * loopback tunnel: its key is generated here and passed by environment, never
 * argv, and its one `--print-json` line says where it listens.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';

export interface RelayProcess {
  child: ChildProcess;
  /** The key the relay accepts on its control plane. */
  apiKey: string;
  controlPlaneBaseUrl: string;
  tunnelId: string;
  /** The front-door URL without the token (`mcp_url_without_token`): clients send `Authorization: Bearer <frontDoorToken>`. */
  mcpUrl: string;
  frontDoorToken?: string;
  /** How the front door authenticates clients (`front_door_auth`): a bearer token, or nobody. */
  frontDoorAuth: 'bearer' | 'none';
  /** The token is also accepted as the last path segment of the URL (`front_door_token_in: "mcp_url"`). */
  tokenInPath: boolean;
}

const START_TIMEOUT_MS = 10_000;

/** Forks `relay --print-json` of `cli` (dist/relay.js in the editor, or the whole CLI); rejects (with the child killed) when it does not print its address in time. */
export async function startRelayProcess(cli: string, onStderr: (text: string) => void): Promise<RelayProcess> {
  const apiKey = randomBytes(24).toString('base64url');
  const child = fork(cli, ['relay', '--print-json', '--api-key', 'env:MCP_TUNNEL_RELAY_KEY', '--log-level', 'warn'], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', MCP_TUNNEL_RELAY_KEY: apiKey },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stderr!.on('data', (d: Buffer) => onStderr(d.toString().trimEnd()));
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await new Promise<Record<string, string>>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', (line) => {
        try {
          resolve(JSON.parse(line) as Record<string, string>);
        } catch {
          reject(new Error('the relay printed something unexpected'));
        }
      });
      child.once('exit', (code) => reject(new Error(`the relay exited with code ${code}`)));
      timer = setTimeout(() => reject(new Error(`the relay did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    });
    // The URL without the front-door token in its path: the editor shows it (the dashboard, notifications) and sends the token as a header.
    const mcpUrl = info.mcp_url_without_token ?? info.mcp_url!;
    return {
      child,
      apiKey,
      controlPlaneBaseUrl: info.control_plane_base_url!,
      tunnelId: info.tunnel_id!,
      mcpUrl,
      frontDoorToken: info.front_door_token,
      frontDoorAuth: info.front_door_auth === 'none' ? 'none' : 'bearer',
      tokenInPath: info.front_door_token_in === 'mcp_url',
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
