/**
 * The commands an operator of the reference client expects: `health`,
 * `profiles`, `help TOPIC`, `doctor --json` in the reference's shape and
 * `run --embedded-mcp-stub`, run as the built CLI.
 */
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli';
import { listenLoopback } from '../helpers/net';

const TUNNEL_ID = `tunnel_${'a'.repeat(32)}`;

/** A health server that answers as told: status and body per path. */
async function fakeHealth(routes: Record<string, [number, string]>): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const [status, body] = routes[req.url ?? ''] ?? [404, 'not found'];
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
  });
  return { server, port: await listenLoopback(server) };
}

describe('mcp-tunnel CLI: operator commands', function () {
  this.timeout(60_000);
  const running: CliProcess[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  describe('run --embedded-mcp-stub and health', () => {
    it('serves the bundled sample server as the main channel; health says OK (exit 0) while it runs and FAIL (exit 2) once it stopped', async () => {
      const relay = startCli(['relay', '--print-json']);
      running.push(relay);
      const r = await relay.json();
      const urlFile = join(mkdtempSync(join(tmpdir(), 'mcp-tunnel-health-')), 'health.url');
      const run = startCli(['run', '--embedded-mcp-stub', '--health-listen', '127.0.0.1:0', '--health-url-file', urlFile], {
        CONTROL_PLANE_BASE_URL: r.control_plane_base_url,
        CONTROL_PLANE_TUNNEL_ID: r.tunnel_id,
        CONTROL_PLANE_API_KEY: r.api_key,
      });
      running.push(run);
      await run.waitForLog(/tunnel ready/);
      assert.ok(run.stderr.some((l) => /embedded MCP stub/.test(l)));

      const client = new Client({ name: 'stub-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(r.mcp_url!), { requestInit: { headers: { Authorization: `Bearer ${r.front_door_token}` } } }));
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ['echo', 'add', 'countdown']);
      await client.close();

      const text = await runCli(['health', '--url-file', urlFile, '--require-control-plane-poll', '--pid', String(run.child.pid)]);
      assert.equal(text.code, 0, text.stdout);
      assert.match(text.stdout, /^Readyz: PASS \| http:\/\/127\.0\.0\.1:\d+\/readyz \| HTTP 200 \| ready$/m);
      assert.match(text.stdout, /^Control-plane poll: PASS .*last_success_unix_seconds=\d+$/m);
      assert.match(text.stdout, /^Result: OK$/m);

      const healthUrl = readFileSync(urlFile, 'utf8').trim();
      const json = await runCli(['health', '--url', `${healthUrl}/readyz`, '--json']);
      assert.equal(json.code, 0);
      const report = JSON.parse(json.stdout);
      assert.equal(report.result, 'ok');
      assert.equal(report.locator.kind, 'url');
      assert.equal(report.readyz.status, 200);
      assert.equal(report.healthz.ok, true);

      run.child.kill('SIGTERM');
      await run.exited();
      const after = await runCli(['health', '--url-file', urlFile]);
      assert.equal(after.code, 2);
      assert.match(after.stdout, /^Result: FAIL$/m);
    });

    it('refuses --embedded-mcp-stub with an MCP command of its own (exit 2)', async () => {
      const { code, stderr } = await runCli(['run', '--embedded-mcp-stub', '--mcp-command', 'node server.js'], { CONTROL_PLANE_TUNNEL_ID: TUNNEL_ID, CONTROL_PLANE_API_KEY: 'sk-test-123456' });
      assert.equal(code, 2);
      assert.match(stderr, /--embedded-mcp-stub is the main MCP server of this run/);
    });

    it('health exits 2 for a tunnel that is live but not ready, and prints its reason', async () => {
      const { server, port } = await fakeHealth({ '/healthz': [200, 'ok'], '/readyz': [503, 'waiting for the control plane to answer a poll'] });
      servers.push(server);
      const { code, stdout } = await runCli(['health', '--port', String(port)]);
      assert.equal(code, 2);
      assert.match(stdout, /^Healthz: PASS/m);
      assert.match(stdout, /^Readyz: FAIL \| .* \| HTTP 503 \| waiting for the control plane to answer a poll$/m);
    });

    it('--require-control-plane-poll needs a successful poll in /metrics, from either daemon', async () => {
      const { server, port } = await fakeHealth({ '/healthz': [200, 'live'], '/readyz': [200, 'ready'], '/metrics': [200, '# no poll metric\nup 1\n'] });
      servers.push(server);
      assert.equal((await runCli(['health', '--port', String(port)])).code, 0);
      const strict = await runCli(['health', '--port', String(port), '--require-control-plane-poll', '--json']);
      assert.equal(strict.code, 2);
      assert.equal(JSON.parse(strict.stdout).control_plane_poll.ok, false);
      const reference = await fakeHealth({ '/healthz': [200, 'live'], '/readyz': [200, 'ready'], '/metrics': [200, 'commands_poll_last_successful_timestamp_seconds{a="b"} 1.7e9\n'] });
      servers.push(reference.server);
      assert.equal((await runCli(['health', '--port', String(reference.port), '--require-control-plane-poll'])).code, 0);
    });

    it('health without exactly one of --url, --url-file, --port is a usage error (exit 2)', async () => {
      for (const args of [['health'], ['health', '--port', '8080', '--url', 'http://127.0.0.1:8080'], ['health', '--port', 'eighty']]) {
        const { code, stderr } = await runCli(args);
        assert.equal(code, 2, args.join(' '));
        assert.match(stderr, /--url|--port/);
      }
    });
  });

  describe('profiles', () => {
    let xdg: string;
    const env = () => ({ XDG_CONFIG_HOME: xdg });
    beforeEach(() => {
      xdg = mkdtempSync(join(tmpdir(), 'mcp-tunnel-xdg-'));
    });

    it('add writes a sample into $XDG_CONFIG_HOME/tunnel-client, list finds it (text and JSON), and a second add needs --force', async () => {
      const empty = await runCli(['profiles', 'list'], env());
      assert.equal(empty.code, 0);
      assert.match(empty.stdout, /No profiles found in .*tunnel-client/);
      const add = await runCli(['profiles', 'add', 'local', '--sample', 'sample_mcp_stdio_local', '--tunnel-id', TUNNEL_ID, '--mcp-command', 'node server.js'], env());
      assert.equal(add.code, 0, add.stderr);
      const file = join(xdg, 'tunnel-client', 'local.yaml');
      assert.match(add.stdout, new RegExp(`Added profile local at ${file}`));
      assert.match(add.stdout, /mcp-tunnel doctor --profile local/);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const list = await runCli(['profiles', 'list'], env());
      assert.equal(list.stdout, `local\t${file}`);
      assert.deepEqual(JSON.parse((await runCli(['profiles', 'list', '--json'], env())).stdout), [{ name: 'local', path: file }]);
      const again = await runCli(['profiles', 'add', 'local', '--sample', 'stdio-local'], env());
      assert.equal(again.code, 2);
      assert.match(again.stderr, /--force/);
      assert.equal((await runCli(['profiles', 'add', 'local', '--sample', 'remote-http', '--force'], env())).code, 0);
      assert.match(readFileSync(file, 'utf8'), /server_urls:/);
    });

    it('show prints the profile with secrets as references only', async () => {
      const dir = join(xdg, 'tunnel-client');
      await runCli(['profiles', 'add', 'corp', '--sample', 'remote-http', '--tunnel-id', TUNNEL_ID], env());
      const file = join(dir, 'corp.yaml');
      const text = readFileSync(file, 'utf8')
        .replace('api_key: env:CONTROL_PLANE_API_KEY', 'api_key: sk-proj-literalsecret123')
        .replace('  # extra_headers:\n  #   Authorization: env:MCP_SERVER_AUTHORIZATION', '  extra_headers:\n    Authorization: Bearer literal-token-456\n    X-Trace: ${env:TRACE_ID}');
      writeFileSync(file, text);
      const { code, stdout } = await runCli(['profiles', 'show', 'corp'], env());
      assert.equal(code, 0);
      assert.ok(stdout.includes(file));
      assert.ok(!stdout.includes('literalsecret123') && !stdout.includes('literal-token-456'), stdout);
      assert.match(stdout, /api_key: .*hidden/);
      assert.match(stdout, /X-Trace: \$\{env:TRACE_ID\}/);
      assert.match(stdout, /2 secret values/);
      const missing = await runCli(['profiles', 'show', 'nope'], env());
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /profiles add nope|init --profile nope/);
    });

    it('add --from-file copies a profile that validates and refuses one that does not', async () => {
      const src = join(xdg, 'in.yaml');
      writeFileSync(src, `config_version: 1\ncontrol_plane:\n  tunnel_id: ${TUNNEL_ID}\nmcp:\n  commands:\n    - channel: main\n      command: node server.js\n`);
      const ok = await runCli(['profiles', 'add', 'copied', '--from-file', src, '--profile-dir', join(xdg, 'dir')], env());
      assert.equal(ok.code, 0, ok.stderr);
      assert.ok(existsSync(join(xdg, 'dir', 'copied.yaml')));
      assert.match(ok.stdout, /--profile-file/);
      writeFileSync(src, 'config_version: 1\nbogus_key: 1\n');
      const bad = await runCli(['profiles', 'add', 'bad', '--from-file', src], env());
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bogus_key/);
      assert.equal((await runCli(['profiles', 'add', 'x'], env())).code, 2);
    });

    it('edit opens $EDITOR on a copy and saves it only when it validates', async () => {
      await runCli(['profiles', 'add', 'e', '--sample', 'stdio-local', '--tunnel-id', TUNNEL_ID], env());
      const file = join(xdg, 'tunnel-client', 'e.yaml');
      const before = readFileSync(file, 'utf8');
      const editor = (name: string, js: string) => {
        const script = join(xdg, name);
        writeFileSync(script, `#!${process.execPath}\nconst fs = require('fs'); const f = process.argv[2]; ${js}\n`);
        chmodSync(script, 0o755);
        return script;
      };
      const good = editor('good.js', `fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('max_concurrent_requests: 10', 'max_concurrent_requests: 7'))`);
      const saved = await runCli(['profiles', 'edit', 'e'], { ...env(), EDITOR: good });
      assert.equal(saved.code, 0, saved.stderr);
      assert.match(readFileSync(file, 'utf8'), /max_concurrent_requests: 7/);
      assert.equal(statSync(file).mode & 0o777, 0o600);

      const bad = editor('bad.js', `fs.appendFileSync(f, 'not_a_key: 1\\n')`);
      const refused = await runCli(['profiles', 'edit', 'e'], { ...env(), VISUAL: bad, EDITOR: good });
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /not changed/);
      assert.match(refused.stderr, /not_a_key/);
      assert.match(readFileSync(file, 'utf8'), /max_concurrent_requests: 7/);
      assert.notEqual(readFileSync(file, 'utf8'), before);
      assert.deepEqual(readdirSync(join(xdg, 'tunnel-client')), ['e.yaml'], 'no draft is left behind');

      const noEditor = await runCli(['profiles', 'edit', 'e'], env());
      assert.equal(noEditor.code, 2);
      assert.match(noEditor.stderr, /VISUAL or EDITOR/);
    });

    it('samples list names each sample; samples show explains one and prints its file', async () => {
      const list = await runCli(['profiles', 'samples', 'list']);
      assert.equal(list.code, 0);
      assert.deepEqual(list.stdout.split('\n').map((l) => l.split('\t')[0]), ['stdio-local', 'remote-http', 'oauth-http', 'enterprise-proxy']);
      const show = await runCli(['profiles', 'samples', 'show', 'enterprise-proxy']);
      assert.equal(show.code, 0);
      assert.match(show.stdout, /^Sample: enterprise-proxy$/m);
      assert.match(show.stdout, /^config_version: 1$/m);
      assert.match(show.stdout, /http_proxy: env:HTTPS_PROXY/);
      const unknown = await runCli(['profiles', 'samples', 'show', 'nope']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /stdio-local\|remote-http\|oauth-http\|enterprise-proxy/);
      assert.equal((await runCli(['profiles', 'teleport'])).code, 2);
    });
  });

  describe('help topics', () => {
    it('prints each topic with exit 0 and names the topics for an unknown one (exit 2)', async () => {
      for (const topic of ['quickstart', 'samples', 'doctor', 'oauth', 'admin', 'troubleshooting']) {
        const { code, stdout } = await runCli(['help', topic]);
        assert.equal(code, 0, topic);
        assert.match(stdout, new RegExp(`^mcp-tunnel help ${topic}:`));
      }
      assert.match((await runCli(['help'])).stdout, /^Usage:/m);
      const unknown = await runCli(['help', 'teleport']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /quickstart, samples, doctor, oauth, admin, troubleshooting/);
    });
  });

  describe('doctor --json', () => {
    it('prints the reference shape by default and this tool\'s own with --json-shape mcp-tunnel', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-doctor-json-'));
      const file = join(dir, 'p.yaml');
      writeFileSync(file, `config_version: 1\ncontrol_plane:\n  tunnel_id: ${TUNNEL_ID}\nhealth:\n  listen_addr: 127.0.0.1:0\nmcp:\n  commands:\n    - channel: main\n      command: node server.js\n`);
      const ok = await runCli(['doctor', '--profile-file', file, '--json'], { CONTROL_PLANE_API_KEY: 'sk-test-abcdef123456' });
      assert.equal(ok.code, 0, ok.stdout);
      const report = JSON.parse(ok.stdout);
      assert.equal(report.result, 'ok');
      assert.equal(report.next, `mcp-tunnel run --profile-file ${file}`);
      assert.equal(report.failed_checks, undefined);
      const ids = report.checks.map((c: { id: string }) => c.id);
      for (const id of ['config_source', 'tunnel_id', 'control_plane_api_key', 'mcp_command_executable', 'health_listener']) assert.ok(ids.includes(id), id);
      for (const c of report.checks) {
        assert.ok(['PASS', 'FAIL', 'SKIP'].includes(c.status));
        assert.equal(typeof c.summary, 'string');
      }
      assert.ok(!ok.stdout.includes('sk-test-abcdef123456'));

      const failed = await runCli(['doctor', '--profile-file', file, '--json'], { CONTROL_PLANE_API_KEY: '' });
      assert.equal(failed.code, 2);
      const bad = JSON.parse(failed.stdout);
      assert.equal(bad.result, 'fail');
      assert.deepEqual(bad.failed_checks, ['control_plane_api_key']);
      assert.equal(bad.next, undefined);
      const key = bad.checks.find((c: { id: string }) => c.id === 'control_plane_api_key');
      assert.equal(key.status, 'FAIL');
      assert.ok(key.why && key.evidence.length > 0 && key.next.length > 0);

      const ours = JSON.parse((await runCli(['doctor', '--profile-file', file, '--json-shape', 'mcp-tunnel'], { CONTROL_PLANE_API_KEY: '' })).stdout);
      assert.equal(ours.exitCode, 2);
      assert.equal(ours.counts.fail, 1);
      assert.ok(ours.checks.some((c: { id: string; status: string }) => c.id === 'api-key' && c.status === 'fail'));
      assert.equal((await runCli(['doctor', '--json-shape', 'xml'])).code, 2);
    });
  });
});
