import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import { formatDoctor, runDoctor, type DoctorReport } from '../../../src/doctor';
import { freePort } from '../../helpers/net';
import { API_KEY, TEST_CERT_PEM, TEST_KEY_PEM, TUNNEL_ID, writeFile, tempDirPerTest } from '../profiles/support';

function listen(port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.end());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function check(report: DoctorReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

function profileYaml(lines: { tunnelId?: string; apiKey?: string; command?: string; url?: string; listen: string; extra?: string }): string {
  return [
    'config_version: 1',
    'control_plane:',
    `  tunnel_id: ${lines.tunnelId ?? TUNNEL_ID}`,
    `  api_key: ${lines.apiKey ?? 'env:CONTROL_PLANE_API_KEY'}`,
    lines.extra ?? '',
    'health:',
    `  listen_addr: ${lines.listen}`,
    'mcp:',
    lines.url ? `  server_urls:\n    - channel: main\n      url: ${lines.url}` : `  commands:\n    - channel: main\n      command: ${lines.command ?? 'node server.js'}`,
    '',
  ].join('\n');
}

describe('mcp-tunnel doctor', () => {
  let dir: string;
  const env = { PATH: process.env.PATH, CONTROL_PLANE_API_KEY: API_KEY };
  tempDirPerTest((d) => (dir = d), 'mcp-tunnel-doctor-');

  it('passes a good profile with a real command and a free port, exiting 0', async () => {
    const file = await writeFile(dir, 'good.yaml', profileYaml({ command: 'node server.js', listen: `127.0.0.1:${await freePort()}` }));
    const report = await runDoctor({ profileFile: file, env });
    assert.deepEqual(
      report.checks.map((c) => [c.id, c.status]),
      [
        ['config', 'ok'],
        ['tunnel-id', 'ok'],
        ['api-key', 'ok'],
        ['api-key-kind', 'ok'],
        ['mcp:main', 'ok'],
        ['health', 'ok'],
      ],
    );
    assert.equal(report.exitCode, 0);
    assert.match(check(report, 'mcp:main').detail, /^node → .*node/);
    assert.match(formatDoctor(report), /All checks passed\./);
  });

  it('reports each failing check with a fix, and exits 2', async () => {
    const holder = await listen();
    const closedPort = await freePort();
    const file = await writeFile(
      dir,
      'broken.yaml',
      profileYaml({
        tunnelId: 'tunnel_ABC',
        apiKey: 'env:MISSING_KEY',
        url: `http://127.0.0.1:${closedPort}/mcp`,
        listen: `127.0.0.1:${portOf(holder)}`,
        extra: `  client_cert: ${path.join(dir, 'absent-cert.pem')}\n  client_key: ${await writeFile(dir, 'key.pem', TEST_KEY_PEM)}`,
      }),
    );
    try {
      const report = await runDoctor({ profileFile: file, env: { PATH: env.PATH }, timeoutMs: 1000 });
      assert.equal(report.exitCode, 2);
      const failing = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      assert.deepEqual(failing, ['config', 'tunnel-id', 'api-key', 'mcp:main', 'health', 'file:controlPlane.clientCert']);
      for (const c of report.checks.filter((c) => c.status === 'fail')) assert.ok(c.fix && c.fix.length > 10, `${c.id} has no fix`);

      assert.match(check(report, 'config').detail, /control_plane\.tunnel_id: must be "tunnel_" followed by 32 lowercase letters or digits/);
      assert.match(check(report, 'tunnel-id').detail, /has 3 characters after tunnel_, not 32/);
      assert.match(check(report, 'api-key').fix!, /^Export MISSING_KEY/);
      assert.match(check(report, 'mcp:main').detail, /nothing is listening on 127\.0\.0\.1:\d+/);
      assert.match(check(report, 'health').detail, /already in use/);
      assert.match(check(report, 'health').fix!, /health\.listen_addr/);
      assert.match(check(report, 'file:controlPlane.clientCert').detail, /control_plane\.client_cert: cannot read the certificate .*ENOENT/);

      const text = formatDoctor(report, { explain: true });
      assert.match(text, /FAIL {2}Tunnel id\n.*\n\s+why: The control plane routes work by tunnel id.*\n\s+fix: Copy the tunnel id from the Platform tunnel settings/);
      assert.match(text, /6 failed\./);
      const terse = formatDoctor(report);
      assert.doesNotMatch(terse, /why:/);
      assert.match(terse, /fix: Copy the tunnel id/);
      assert.match(terse, /Run with --explain/);
    } finally {
      await close(holder);
    }
  });

  it('fails an admin key, explaining runtime keys, without ever printing the key', async () => {
    const admin = 'sk-admin-AbCdEf0123456789xyzXYZ';
    const file = await writeFile(dir, 'admin.yaml', profileYaml({ listen: '127.0.0.1:0' }));
    const report = await runDoctor({ profileFile: file, env: { ...env, CONTROL_PLANE_API_KEY: admin } });
    const kind = check(report, 'api-key-kind');
    assert.equal(kind.status, 'fail');
    assert.match(kind.why!, /Tunnels Read \+ Use/);
    assert.match(kind.fix!, /runtime key/);
    assert.equal(report.exitCode, 2);
    const everything = formatDoctor(report, { explain: true }) + formatDoctor(report, { json: true }) + JSON.stringify(report);
    assert.ok(!everything.includes(admin));
    assert.ok(!everything.includes('AbCdEf0123'));
  });

  it('warns about a key written into the profile, still exits 0, and never prints it', async () => {
    const file = await writeFile(dir, 'literal.yaml', profileYaml({ apiKey: API_KEY, listen: '127.0.0.1:0' }));
    const report = await runDoctor({ profileFile: file, env: { PATH: env.PATH } });
    assert.equal(check(report, 'api-key').status, 'warn');
    assert.match(check(report, 'api-key').fix!, /env:CONTROL_PLANE_API_KEY/);
    assert.equal(report.exitCode, 0);
    assert.ok(!(formatDoctor(report, { explain: true }) + formatDoctor(report, { json: true })).includes(API_KEY));
  });

  it('fails a command that is not on PATH', async () => {
    const file = await writeFile(dir, 'cmd.yaml', profileYaml({ command: 'no-such-mcp-server-xyz --stdio', listen: '127.0.0.1:0' }));
    const report = await runDoctor({ profileFile: file, env });
    const mcp = check(report, 'mcp:main');
    assert.equal(mcp.status, 'fail');
    assert.equal(mcp.detail, 'no-such-mcp-server-xyz was not found on PATH');
    assert.match(mcp.fix!, /mcp\.commands\[0\]\.command/);
  });

  it('accepts a reachable MCP URL', async () => {
    const server = await listen();
    try {
      const file = await writeFile(dir, 'url.yaml', profileYaml({ url: `http://user:pw@127.0.0.1:${portOf(server)}/mcp?token=abc`, listen: '127.0.0.1:0' }));
      const report = await runDoctor({ profileFile: file, env });
      const mcp = check(report, 'mcp:main');
      assert.equal(mcp.status, 'ok');
      assert.equal(mcp.detail, `http://127.0.0.1:${portOf(server)}/mcp accepts connections`);
    } finally {
      await close(server);
    }
  });

  it('checks that a client key belongs to its certificate', async () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const file = await writeFile(
      dir,
      'mtls.yaml',
      profileYaml({
        listen: '127.0.0.1:0',
        extra: `  client_cert: ${await writeFile(dir, 'c.pem', TEST_CERT_PEM)}\n  client_key: ${await writeFile(dir, 'k.pem', otherKey)}`,
      }),
    );
    const report = await runDoctor({ profileFile: file, env });
    assert.equal(check(report, 'file:controlPlane.clientCert').status, 'ok');
    const key = check(report, 'file:controlPlane.clientKey');
    assert.equal(key.status, 'fail');
    assert.match(key.detail, /does not match the client certificate/);

    const matching = await writeFile(dir, 'match.yaml', profileYaml({ listen: '127.0.0.1:0', extra: `  client_cert: ${path.join(dir, 'c.pem')}\n  client_key: ${await writeFile(dir, 'k2.pem', TEST_KEY_PEM)}` }));
    assert.equal(check(await runDoctor({ profileFile: matching, env }), 'file:controlPlane.clientKey').status, 'ok');
  });

  it('reports a profile that cannot be read at all as a failed configuration', async () => {
    const file = await writeFile(dir, 'typo.yaml', profileYaml({ listen: '127.0.0.1:0' }).replace('health:', 'helth:'));
    const report = await runDoctor({ profileFile: file, env });
    assert.deepEqual(report.checks.map((c) => c.id), ['config']);
    assert.match(report.checks[0].detail, /helth: is not a known key/);
    assert.match(report.checks[0].fix!, /Did you mean health\?/);
    assert.equal(report.exitCode, 2);
    const json = JSON.parse(formatDoctor(report, { json: true })) as DoctorReport;
    assert.equal(json.exitCode, 2);
    assert.equal(json.checks[0].status, 'fail');
  });

  it('checks a profile object from the editor settings', async () => {
    const report = await runDoctor({
      profile: { name: 'editor', controlPlane: { tunnelId: TUNNEL_ID, apiKey: 'secret:editor' }, mcp: { servers: [{ command: 'node' }] }, health: { listenAddr: '' } },
      env,
      secretStore: { get: () => API_KEY },
    });
    assert.equal(report.exitCode, 0, formatDoctor(report));
    assert.equal(check(report, 'health').detail, 'The health server is turned off');
  });

  it('in the editor, finds the key stored for a profile without apiKey, as the tunnel does', async () => {
    const profile = { name: 'stored', controlPlane: { tunnelId: TUNNEL_ID }, mcp: { servers: [{ command: 'node' }] }, health: { listenAddr: '' } };
    const asked: string[] = [];
    const report = await runDoctor({ profile, env, secretStore: { get: (key) => (asked.push(key), key === 'profile:stored' ? API_KEY : undefined) } });
    assert.equal(report.exitCode, 0, formatDoctor(report));
    assert.match(check(report, 'api-key').detail, /The key stored for the profile "stored"/);
    assert.equal(check(report, 'api-key-kind').status, 'ok');
    assert.deepEqual(asked, ['profile:stored']);
    const missing = await runDoctor({ profile, env, secretStore: { get: () => undefined } });
    assert.equal(check(missing, 'api-key').status, 'fail');
    assert.match(check(missing, 'api-key').detail, /No API key is stored for the profile "stored"/);
    assert.match(check(missing, 'api-key').fix!, /MCP Tunnel: Set API Key/);
  });

  describe('the health port the host really uses', () => {
    const editorProfile = (health?: Record<string, unknown>) => ({ name: 'ports', controlPlane: { tunnelId: TUNNEL_ID, apiKey: 'secret:ports' }, mcp: { servers: [{ command: 'node' }] }, ...(health ? { health } : {}) });
    const secretStore = { get: () => API_KEY };

    it("checks the address the host really binds: the editor's free port, not the profile default's 8080", async () => {
      const busy = await listen();
      try {
        // A validated profile carries the default 127.0.0.1:8080, which the editor replaces by a free port.
        const editor = await runDoctor({ profile: editorProfile({ listenAddr: '127.0.0.1:8080' }), env, secretStore, health: { listenAddr: '127.0.0.1:0' } });
        assert.equal(check(editor, 'health').status, 'ok');
        assert.match(check(editor, 'health').detail, /^127\.0\.0\.1:0: a free port on 127\.0\.0\.1 is taken when the tunnel starts$/);
        const taken = await runDoctor({ profile: editorProfile(), env, secretStore, health: { listenAddr: `127.0.0.1:${portOf(busy)}` } });
        assert.equal(check(taken, 'health').status, 'fail', 'the default given by the host is the one probed');
        assert.match(check(taken, 'health').detail, new RegExp(`${portOf(busy)}.*already in use`));
      } finally {
        await close(busy);
      }
    });

    it("asks a running tunnel's health server instead of finding its own port in use", async () => {
      const http = await import('node:http');
      const server = http.createServer((_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const profile = editorProfile({ listenAddr: `127.0.0.1:${port}` });
        const stopped = await runDoctor({ profile, env, secretStore });
        assert.equal(check(stopped, 'health').status, 'fail', 'a stopped tunnel cannot bind a port in use');
        const running = await runDoctor({ profile, env, secretStore, health: { runningUrl: `http://127.0.0.1:${port}` } });
        assert.equal(check(running, 'health').status, 'ok');
        assert.equal(check(running, 'health').detail, `The running tunnel's health server answers at http://127.0.0.1:${port} (/healthz: 200)`);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      const gone = await runDoctor({ profile: editorProfile(), env, secretStore, timeoutMs: 1000, health: { runningUrl: `http://127.0.0.1:${port}` } });
      assert.equal(check(gone, 'health').status, 'warn');
      assert.match(check(gone, 'health').detail, /does not answer/);
    });
  });
});
