/** Shared setup for the profile tests: temp dirs, a valid tunnel id, the reference YAML, test TLS files. */
import { strict as assert } from 'node:assert';
import { ConfigError } from '../../../src/profiles/errors';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const TUNNEL_ID = 'tunnel_0123456789abcdefghijklmnopqrstuv';
/** Looks like a real key so redaction and leak checks are meaningful; it is not one. */
export const API_KEY = 'sk-proj-TESTKEY0123456789abcdefXYZ';

/** A throwaway self-signed certificate and its key (P-256), for TLS file tests only. */
export const TEST_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBizCCATGgAwIBAgIURoiy4KAP0N7zjweXVt/O4Lx0DaEwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPbWNwLXR1bm5lbC10ZXN0MCAXDTI2MTEyMjA0MDMzOFoYDzIx
MjYxMDI5MDQwMzM4WjAaMRgwFgYDVQQDDA9tY3AtdHVubmVsLXRlc3QwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAT7lFmVOjPFtM+5r+/cOS1UWRPp3AMC1rq55yuN
LY2GMUaY5hJXmEFocc4BwexKC5163FQPC4xsKf5bmKXU0OoIo1MwUTAdBgNVHQ4E
FgQUMbr5sGULfmNYebLuLJStEm2OixcwHwYDVR0jBBgwFoAUMbr5sGULfmNYebLu
LJStEm2OixcwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBEeoE4
EcE7BGAGyAzWhY+XXp7l9ihoGKKhEtTQivTA4AIhANRj0VWtI2KuVEgua/UIb0uF
9vvN9ai3HEkF9DAUS6GZ
-----END CERTIFICATE-----
`;
export const TEST_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgojiB8ekshf1K+ole
dW8E/5zbVWfi0/0rdBOpzhMnRjGhRANCAAT7lFmVOjPFtM+5r+/cOS1UWRPp3AMC
1rq55yuNLY2GMUaY5hJXmEFocc4BwexKC5163FQPC4xsKf5bmKXU0OoI
-----END PRIVATE KEY-----
`;

export async function tempDir(prefix = 'mcp-tunnel-profiles-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function writeFile(dir: string, name: string, text: string, mode = 0o600): Promise<string> {
  const file = path.join(dir, name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text, { mode });
  await fs.chmod(file, mode);
  return file;
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** Mocha hooks: a fresh temporary folder for each test of the calling describe block, removed after it. */
export function tempDirPerTest(use: (dir: string) => void, prefix?: string): void {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await tempDir(prefix);
    use(dir);
  });
  afterEach(async () => {
    if (dir) await removeDir(dir);
  });
}

/**
 * The reference daemon's documented example profile (its docs/configuration.md),
 * made valid: a real tunnel id, one target for the main channel (the stdio
 * command moves to a second channel), the `error` level kept out.
 */
export function referenceYaml(files: { cert: string; key: string; ca: string; mcpCert: string; mcpKey: string; urlFile: string }): string {
  return `config_version: 1
control_plane:
  base_url: https://api.openai.com       # host root; CONTROL_PLANE_BASE_URL
  url_path: ""                           # optional prefix before /v1
  tunnel_id: ${TUNNEL_ID}
  api_key: env:CONTROL_PLANE_API_KEY     # runtime key (Read + Use)
  client_cert: ${files.cert}             # mTLS to the control plane
  client_key: ${files.key}
  max_inflight_requests: 20              # local queue capacity (1..10000)
  poll_timeout: 30s                      # sent as timeout_ms
  extra_headers: {}                      # cannot override protocol headers
ca_bundle: ${files.ca}                   # added to system trust
http_proxy: env:HTTPS_PROXY
health:
  listen_addr: 127.0.0.1:8080            # /healthz /readyz /metrics; port 0 = ephemeral
  url_file: ${files.urlFile}             # written with the bound address
log:
  level: info                            # debug | info | warn
  format: json
mcp:
  commands:                              # stdio, argv parsed without a shell
    - channel: local
      command: "python /srv/server.py"
  server_urls:                           # or a private Streamable HTTP server
    - channel: main
      url: https://mcp.internal/mcp
      client_cert: ${files.mcpCert}      # mTLS to the MCP server (not the same cert)
      client_key: ${files.mcpKey}
  extra_headers: {}                      # only sent to the MCP origin
  max_concurrent_requests: 10
`;
}

/** The ConfigError `fn` throws; fails the test if it returns or throws anything else. */
export function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  return assert.fail('expected a ConfigError');
}

/** The ConfigError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  return err;
}
