import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { runDoctor } from '../../src/doctor';
import { loadProfile } from '../../src/profiles/load';
import { startCli, type CliProcess } from '../helpers/cli';
import { EVERYTHING, startEverythingHttp, type RunningServer } from '../helpers/everything';
import { REFERENCE } from '../helpers/openapi';
import { TEST_CERT_PEM, TEST_KEY_PEM } from '../unit/profiles/support';
import { waitFor } from '../helpers/wait';

const PROFILES = join(REFERENCE, 'profiles');
const everythingCommand = `'${process.execPath}' '${EVERYTHING}' stdio`;

async function listTools(mcpUrl: string, token: string | undefined): Promise<string[]> {
  const client = new Client({ name: 'reference-profiles', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} } }));
  const tools = (await client.listTools()).tools.map((t) => t.name);
  await client.close();
  return tools;
}

/** The reference daemon's own documentation example, less what this client refuses, with paths on this machine. */
function runnableDocsExample(dir: string): string {
  const files = { cert: join(dir, 'cp.crt'), key: join(dir, 'cp.key'), discovery: join(dir, 'discovery-header'), log: join(dir, 'log', 'tunnel.ndjson'), pid: join(dir, 'tunnel.pid'), url: join(dir, 'health-url') };
  writeFileSync(files.cert, TEST_CERT_PEM);
  writeFileSync(files.key, TEST_KEY_PEM, { mode: 0o600 });
  writeFileSync(files.discovery, 'discovery-secret\n', { mode: 0o600 });
  const text = readFileSync(join(PROFILES, 'configuration_md_example.yaml'), 'utf8')
    .replace(/^cloudflared:\n(?: {2}.*\n)+/m, '')
    .replace(/^harpoon:\n(?: {2}.*\n)+/m, '')
    .replace(/^ {6}# Optional\. Dial the logical.*\n {6}unix_socket: .*\n/m, '')
    .replace('file:/run/secrets/control-plane-client.crt', `file:${files.cert}`)
    .replace('file:/run/secrets/control-plane-client.key', `file:${files.key}`)
    .replace('file:/run/secrets/mcp-discovery-header', `file:${files.discovery}`)
    .replace('/var/log/tunnel-client/tunnel-client.ndjson', files.log)
    .replace('/run/tunnel-client/tunnel-client.pid', files.pid)
    .replace('/run/tunnel-client/health-url', files.url);
  const file = join(dir, 'docs-example.yaml');
  writeFileSync(file, text);
  return file;
}

describe('reference tunnel-client profiles, served unchanged through a relay', function () {
  this.timeout(90_000);
  const running: CliProcess[] = [];
  let relay: Record<string, string>;
  let http: RunningServer;
  let dir: string;

  before(async () => {
    const p = startCli(['relay', '--print-json']);
    running.push(p);
    relay = await p.json();
    http = await startEverythingHttp();
    dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-reference-'));
    writeFileSync(join(dir, 'ca.pem'), TEST_CERT_PEM);
  });
  after(async () => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await http?.stop();
  });

  /** The relay and the MCP servers of this test, set the way an operator would: in the environment. */
  const envFor = (kind: 'url' | 'command'): NodeJS.ProcessEnv => ({
    CONTROL_PLANE_BASE_URL: relay.control_plane_base_url,
    CONTROL_PLANE_TUNNEL_ID: relay.tunnel_id,
    CONTROL_PLANE_API_KEY: relay.api_key,
    HEALTH_LISTEN_ADDR: '127.0.0.1:0',
    ENTERPRISE_CA_BUNDLE: join(dir, 'ca.pem'),
    ...(kind === 'url' ? { MCP_SERVER_URL: http.url } : { MCP_COMMAND: everythingCommand }),
  });

  for (const [sample, kind] of [
    ['sample_mcp_stdio_local', 'command'],
    ['sample_mcp_remote_no_auth', 'url'],
    ['sample_mcp_enterprise_proxy', 'url'],
    ['sample_mcp_with_dcr', 'command'],
  ] as const) {
    it(`${sample}: loads with one warning per ignored key, passes doctor, and serves tools/list`, async () => {
      const file = join(PROFILES, `${sample}.yaml`);
      const env = envFor(kind);
      const loaded = await loadProfile({ profileFile: file, env });
      assert.equal(loaded.profile.adminUi.openBrowser, false, 'admin_ui.open_browser is read: the web UI is not opened');
      assert.ok(!loaded.warnings.some((w) => w.startsWith('admin_ui.')), loaded.warnings.join('\n'));
      assert.equal(loaded.profile.log.format, 'json');
      const report = await runDoctor({ profileFile: file, env, timeoutMs: 10_000 });
      assert.equal(report.exitCode, 0, JSON.stringify(report.checks.filter((c) => c.status === 'fail')));
      const run = startCli(['run', '--profile-file', file], env);
      running.push(run);
      await run.waitForLog(/tunnel ready/);
      assert.ok((await listTools(relay.mcp_url!, relay.front_door_token)).length > 0);
      run.child.kill('SIGTERM');
      assert.equal(await run.exited(), 0);
    });
  }

  it('the docs/configuration.md example: refused for its Cloudflare tunnel, and with it, Harpoon and the Unix socket removed, serves with its log and pid files', async () => {
    const full = join(PROFILES, 'configuration_md_example.yaml');
    const refused = await loadProfile({ profileFile: full, env: envFor('url') }).then(
      () => assert.fail('expected a ConfigError'),
      (err: Error & { field?: string }) => err,
    );
    assert.equal(refused.field, 'cloudflared.managed');
    assert.match(refused.message, /does not run.*set it to false/);

    const file = runnableDocsExample(dir);
    const env = {
      ...envFor('url'),
      MCP_COMMAND: `channel=tools,command=${everythingCommand}`,
      CONTROL_PLANE_URL_PATH: '/',
      CONTROL_PLANE_HEADER_VALUE: 'cp-header',
      MCP_RUNTIME_HEADER_VALUE: 'mcp-header',
    };
    const loaded = await loadProfile({ profileFile: file, env });
    assert.equal(loaded.warnings.filter((w) => w.startsWith('proxy.check_interval (in ')).length, 1, 'one warning for proxy.check_interval');
    assert.deepEqual(loaded.profile.adminUi, { allowRemote: false, openBrowser: false, logBufferEvents: 2000 }, 'admin_ui is read as written');
    assert.equal(loaded.profile.controlPlane.pollDeadlineGuardrail, '5000ms');
    const report = await runDoctor({ profileFile: file, env, timeoutMs: 10_000 });
    assert.equal(report.exitCode, 0, JSON.stringify(report.checks.filter((c) => c.status === 'fail')));

    const run = startCli(['run', '--config', file], env);
    running.push(run);
    const logFile = join(dir, 'log', 'tunnel.ndjson');
    await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('tunnel ready'), 20_000, 'tunnel ready in the log file');
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    for (const line of lines) JSON.parse(line);
    assert.equal(readFileSync(join(dir, 'tunnel.pid'), 'utf8').trim(), String(run.child.pid));
    assert.ok((await listTools(relay.mcp_url!, relay.front_door_token)).length > 0);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited(), 0);
    assert.equal(existsSync(join(dir, 'tunnel.pid')), false, 'the pid file is removed on a clean stop');
    assert.ok(!readFileSync(logFile, 'utf8').includes(relay.api_key!), 'the API key never reaches the log file');
  });
});
