import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { Registry } from 'prom-client';
import { HealthServer } from '../../../src/engine/health';
import { Logger, type LogRecord } from '../../../src/engine/log';

/** A GET carrying `host` as its Host header, as kubelet or Docker send it; fetch cannot set Host. */
function get(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HealthServer binding and Host guard', () => {
  const servers: HealthServer[] = [];
  const logs: LogRecord[] = [];

  function server(listenAddr: string): HealthServer {
    const logger = Logger.create('debug', 'health-test');
    logger.addSink((r) => logs.push(r));
    const registry = new Registry();
    const s = new HealthServer(listenAddr, () => ({ ready: false, reason: 'waiting for the control plane to answer a poll' }), registry, logger);
    servers.push(s);
    return s;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    logs.length = 0;
  });

  it('bound to 0.0.0.0, answers /healthz, /readyz and /metrics for a pod IP Host and refuses that Host anywhere else', async () => {
    const url = await server('0.0.0.0:0').start();
    const podHost = '10.1.2.3:8080';
    assert.deepEqual(await get(url, '/healthz', podHost), { status: 200, body: 'ok\n' });
    assert.deepEqual(await get(url, '/readyz', podHost), { status: 503, body: 'waiting for the control plane to answer a poll\n' });
    assert.equal((await get(url, '/metrics', podHost)).status, 200);
    const other = await get(url, '/admin', podHost);
    assert.equal(other.status, 403);
    assert.match(other.body, /forbidden: Host/);
    assert.equal((await get(url, '/healthz?x=1', 'tunnel-sidecar:8080')).status, 200);
    assert.equal((await get(url, '/admin', new URL(url).host)).status, 404);
    const line = logs.find((r) => /health server bound to every interface/.test(r.msg));
    assert.ok(line, 'the startup log says the probes answer any Host');
    assert.match(line.msg, /\/healthz, \/readyz and \/metrics answer probes from any Host/);
  });

  it('reads ":port" as every interface, as the reference daemon does', async () => {
    const url = await server(':0').start();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await get(url, '/readyz', 'my-container:8080')).status, 503);
    assert.equal((await get(url, '/', 'my-container:8080')).status, 403);
    const listening = logs.find((r) => r.msg === 'health server listening');
    assert.match(String(listening?.fields?.address), /^(\[::\]|0\.0\.0\.0):\d+$/);
  });

  it('bound to loopback, refuses every route to a Host that is not its address (DNS rebinding)', async () => {
    const url = await server('127.0.0.1:0').start();
    for (const path of ['/healthz', '/readyz', '/metrics', '/']) {
      assert.equal((await get(url, path, 'evil.example:8080')).status, 403, path);
    }
    assert.equal((await get(url, '/healthz', new URL(url).host)).status, 200);
    assert.ok(!logs.some((r) => /bound to every interface/.test(r.msg)));
  });
});
