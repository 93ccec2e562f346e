/**
 * The deployment artifacts in deploy/ do what they say: each one's exact
 * command line and environment is run against a local relay (the secret an
 * orchestrator would inject is filled in; a port a real deployment owns is
 * swapped for a free one), and its probes are asked the way a kubelet or a
 * container runtime asks them: from a pod address, not loopback.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { Relay, type RelayStartInfo } from '../../src/relay/relay';
import { runCli, startCli, type CliProcess } from '../helpers/cli';
import { ROOT, startEverythingHttp, type RunningServer } from '../helpers/everything';
import { freePort } from '../helpers/net';
import { waitFor } from '../helpers/wait';

const DEPLOY = join(ROOT, 'deploy');

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  readinessProbe?: { httpGet: { path: string } };
  livenessProbe?: { httpGet: { path: string } };
}

/** The manifest's mcp-tunnel container, and its literal env values (a secretKeyRef is the test's to fill in). */
function tunnelContainer(manifest: string): { container: Container; env: Record<string, string> } {
  const doc = YAML.parse(readFileSync(join(DEPLOY, 'kubernetes', manifest), 'utf8')) as { spec: { template: { spec: { containers: Container[] } } } };
  const container = doc.spec.template.spec.containers.find((c) => c.name === 'mcp-tunnel');
  assert.ok(container, `${manifest} has an mcp-tunnel container`);
  const env = Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  return { container, env };
}

/** The Dockerfile's ENV, ENTRYPOINT + CMD and HEALTHCHECK command (exec forms). */
function dockerfile(): { env: Record<string, string>; argv: string[]; healthcheck: string[] } {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of runtime.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const [, k, v] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  }
  const exec = (keyword: string) => JSON.parse(/\[.*\]/.exec(runtime.split('\n').find((l) => l.startsWith(keyword))!)![0]) as string[];
  return { env, argv: [...exec('ENTRYPOINT '), ...exec('CMD ')], healthcheck: exec('HEALTHCHECK ') };
}

/** The unit's ExecStart arguments after `mcp-tunnel`, and its Environment= lines. */
function systemdUnit(): { args: string[]; env: Record<string, string> } {
  const lines = readFileSync(join(DEPLOY, 'systemd', 'mcp-tunnel.service'), 'utf8').split('\n');
  const exec = lines.find((l) => l.startsWith('ExecStart='))!.slice('ExecStart='.length).split(/\s+/);
  const env = Object.fromEntries(lines.filter((l) => l.startsWith('Environment=')).map((l) => l.slice('Environment='.length).split('=', 2) as [string, string]));
  return { args: exec.slice(exec.indexOf('mcp-tunnel') + 1), env };
}

/** A probe as a kubelet sends it: to the pod's address, with that address as Host. */
async function probe(port: number, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Host: `10.12.0.7:${port}` } });
  await res.body?.cancel();
  return res.status;
}

function withPort(listen: string, port: number): string {
  return listen.replace(/:\d+$/, `:${port}`);
}

describe('deployment artifacts', function () {
  this.timeout(60_000);
  let relay: Relay;
  let info: RelayStartInfo;
  let server: RunningServer | undefined;
  let tunnel: CliProcess | undefined;
  beforeEach(async () => {
    relay = new Relay({ frontDoorAuth: 'none' });
    info = await relay.start();
  });
  afterEach(async () => {
    tunnel?.child.kill('SIGKILL');
    await server?.stop();
    await relay.close();
    tunnel = server = undefined;
  });

  /** What the orchestrator adds: where the control plane is (a relay here) and the key from its secret store. */
  const injected = () => ({ CONTROL_PLANE_BASE_URL: info.url, CONTROL_PLANE_TUNNEL_ID: info.tunnelId, CONTROL_PLANE_API_KEY: info.apiKey });

  it('the Kubernetes sidecar waits for its MCP server, logs JSON, and its probes pass from the pod address', async () => {
    const { container, env } = tunnelContainer('sidecar.yaml');
    const mcpPort = await freePort();
    const healthPort = await freePort();
    tunnel = startCli(container.args ?? [], {
      ...env,
      ...injected(),
      MCP_SERVER_URL: env.MCP_SERVER_URL!.replace(':3000', `:${mcpPort}`),
      HEALTH_LISTEN_ADDR: withPort(env.HEALTH_LISTEN_ADDR!, healthPort),
    });
    await tunnel.waitForLog(/waiting up to 1 min for the MCP server/);
    assert.equal(await probe(healthPort, container.readinessProbe!.httpGet.path), 503, 'not ready before the server listens');
    assert.equal(await probe(healthPort, container.livenessProbe!.httpGet.path), 200, 'alive meanwhile');
    server = await startEverythingHttp(mcpPort);
    await waitFor(async () => (await probe(healthPort, container.readinessProbe!.httpGet.path)) === 200, 20_000, 'ready after the server started');
    for (const line of tunnel.stderr) assert.doesNotThrow(() => JSON.parse(line), `a JSON log line: ${line}`);
    assert.ok(!tunnel.stderr.join('\n').includes(info.apiKey), 'the key never reaches the log');
  });

  it('the Kubernetes dedicated deployment serves its MCP Service and passes its probes', async () => {
    const { container, env } = tunnelContainer('dedicated.yaml');
    server = await startEverythingHttp();
    const healthPort = await freePort();
    tunnel = startCli(container.args ?? [], { ...env, ...injected(), MCP_SERVER_URL: server.url, HEALTH_LISTEN_ADDR: withPort(env.HEALTH_LISTEN_ADDR!, healthPort) });
    await waitFor(async () => (await probe(healthPort, container.readinessProbe!.httpGet.path).catch(() => 0)) === 200, 20_000, 'ready');
    assert.equal(await probe(healthPort, container.livenessProbe!.httpGet.path), 200);
  });

  it('the container image runs its entrypoint with its environment, and its HEALTHCHECK command passes once ready', async () => {
    const image = dockerfile();
    assert.equal(image.argv[0], 'node');
    const healthPort = await freePort();
    server = await startEverythingHttp();
    // The image holds dist/cli.js at /app/cli.js.
    const args = image.argv.slice(2);
    tunnel = startCli(args, { ...image.env, ...injected(), MCP_SERVER_URL: server.url, HEALTH_LISTEN_ADDR: withPort(image.env.HEALTH_LISTEN_ADDR!, healthPort) });
    const check = image.healthcheck.slice(2).map((a) => (a === '8080' ? String(healthPort) : a));
    await waitFor(async () => (await runCli(check, {}, 10_000)).code === 0, 20_000, 'the HEALTHCHECK command to pass');
    assert.equal(await probe(healthPort, '/readyz'), 200);
    assert.ok(tunnel.stderr.length > 0 && tunnel.stderr.every((l) => l.startsWith('{')), 'JSON logs');
  });

  it('the systemd unit\'s ExecStart and environment run a tunnel that logs JSON at info', async () => {
    const unit = systemdUnit();
    server = await startEverythingHttp();
    const healthPort = await freePort();
    tunnel = startCli(unit.args, { ...unit.env, ...injected(), MCP_SERVER_URL: server.url, HEALTH_LISTEN_ADDR: withPort(unit.env.HEALTH_LISTEN_ADDR!, healthPort) });
    const ready = await tunnel.waitForLog(/tunnel ready/);
    const line = JSON.parse(ready) as { level: string; msg: string; component: string };
    assert.deepEqual([line.level, line.msg, line.component], ['INFO', 'tunnel ready', 'cli'], 'the keys and values a collector of the reference daemon\'s logs reads');
    const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
    assert.equal(res.status, 200);
  });
});
