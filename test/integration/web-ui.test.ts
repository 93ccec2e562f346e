import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVERYTHING } from '../helpers/everything';
import { startCli, type CliProcess } from '../helpers/cli';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (Host included), on node:http. */
function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Reads the SSE stream until `until` matches a message, returning every message seen. */
function events(url: string, headers: Record<string, string>, until: (m: { type: string } & Record<string, unknown>) => boolean, timeoutMs = 15000): { ready: Promise<void>; done: Promise<Record<string, unknown>[]> } {
  let opened!: () => void;
  const ready = new Promise<void>((r) => (opened = r));
  const done = new Promise<Record<string, unknown>[]>((resolve, reject) => {
    const seen: Record<string, unknown>[] = [];
    const req = request(url, { headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`events answered ${res.statusCode}`));
      opened();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const message = JSON.parse(data.slice(6)) as { type: string } & Record<string, unknown>;
          seen.push(message);
          if (until(message)) {
            clearTimeout(timer);
            req.destroy();
            resolve(seen);
          }
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(seen).slice(0, 2000)}`));
    }, timeoutMs);
    req.on('error', () => undefined);
    req.end();
  });
  return { ready, done };
}

describe('web UI of mcp-tunnel run (/ui on the health server)', function () {
  this.timeout(60_000);
  const running: CliProcess[] = [];
  const everythingCommand = `node ${EVERYTHING}`;
  let relay: { control_plane_base_url?: string; tunnel_id?: string; api_key?: string };

  before(async () => {
    const p = startCli(['relay', '--print-json']);
    running.push(p);
    relay = await p.json();
  });

  after(async () => {
    for (const p of running.splice(0).reverse()) {
      if (p.child.exitCode !== null) continue;
      p.child.kill('SIGTERM');
      await p.exited();
    }
  });

  function startRun(env: NodeJS.ProcessEnv, args: string[] = []): CliProcess {
    const run = startCli(['run', ...args], {
      CONTROL_PLANE_BASE_URL: relay.control_plane_base_url,
      CONTROL_PLANE_TUNNEL_ID: relay.tunnel_id,
      CONTROL_PLANE_API_KEY: relay.api_key,
      MCP_COMMAND: everythingCommand,
      LOG_LEVEL: 'info',
      ...env,
    });
    running.push(run);
    return run;
  }

  it('opens with the token from the .ui file, refuses foreign Host, foreign Origin and no token, switches the log level live and runs a tool from the UI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-webui-'));
    const urlFile = join(dir, 'health.url');
    const run = startRun({ HEALTH_LISTEN_ADDR: '127.0.0.1:0', HEALTH_URL_FILE: urlFile });
    await run.waitForLog(/tunnel ready/);
    const uiUrl = readFileSync(`${urlFile}.ui`, 'utf8').trim();
    assert.equal(statSync(`${urlFile}.ui`).mode & 0o777, 0o600);
    const token = new URL(uiUrl).searchParams.get('token')!;
    assert.ok(token.length >= 32);
    const base = new URL(uiUrl).origin;
    // The startup log shows the URL once; the token appears nowhere else in the logs.
    assert.equal(run.stderr.filter((l) => l.includes(token)).length, 1);

    // No token: 401. A wrong token: 401. A foreign Host (DNS rebinding) or Origin: 403, even with the token.
    assert.equal((await http(`${base}/ui`)).status, 401);
    assert.equal((await http(`${base}/api/log-level`)).status, 401);
    assert.equal((await http(`${base}/ui?token=wrong`)).status, 401);
    const bearer = { Authorization: `Bearer ${token}` };
    assert.equal((await http(`${base}/api/log-level`, { headers: { ...bearer, Host: `evil.example:${new URL(base).port}` } })).status, 403);
    assert.equal((await http(`${base}/api/log-level`, { headers: { ...bearer, Origin: 'http://evil.example' } })).status, 403);
    assert.equal((await http(`${base}/api/log-level`, { headers: { ...bearer, Origin: base } })).status, 200);
    // What a browser marks as sent by another origin (another port is the same site) is refused too, but for opening /ui.
    assert.equal((await http(`${base}/api/log-level`, { headers: { ...bearer, 'Sec-Fetch-Site': 'same-site' } })).status, 403);
    assert.equal((await http(`${base}/api/log-level`, { headers: { ...bearer, 'Sec-Fetch-Site': 'same-origin' } })).status, 200);
    const fromElsewhere = await http(uiUrl, { headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' } });
    assert.equal(fromElsewhere.status, 200, 'opened from another site: a page that moves on, not a redirect that would drop the cookie');
    assert.match(String(fromElsewhere.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
    assert.match(fromElsewhere.body, /http-equiv="refresh" content="0;url=\/ui"/);

    // ?token= sets an HttpOnly SameSite=Strict cookie and redirects to the bare URL; the cookie then opens the page.
    const first = await http(uiUrl);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/ui');
    const setCookie = String(first.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const page = await http(`${base}/ui`, { headers: { Cookie: cookie } });
    assert.equal(page.status, 200);
    assert.match(page.body, /\/ui\/assets\/webui\.js/);
    assert.equal((await http(`${base}/ui/assets/webui.js`, { headers: { Cookie: cookie } })).status, 200);
    // The codicon font the app's icons need is served beside it, under the same checks.
    assert.match(page.body, /\/ui\/codicons\/codicon\.css/);
    const codicons = await http(`${base}/ui/codicons/codicon.css`, { headers: { Cookie: cookie } });
    assert.equal(codicons.status, 200);
    assert.match(codicons.body, /url\("\.\/codicon\.ttf/);
    assert.equal((await http(`${base}/ui/codicons/codicon.ttf`, { headers: { Cookie: cookie } })).status, 200);
    assert.equal((await http(`${base}/ui/codicons/codicon.css`)).status, 401);

    // Log level: GET, a bad PUT (400, level unchanged), then debug, live.
    const level = JSON.parse((await http(`${base}/api/log-level`, { headers: bearer })).body) as { level: string; supported_levels: string[] };
    assert.equal(level.level, 'info');
    assert.deepEqual(level.supported_levels, ['debug', 'info', 'warn', 'error']);
    const json = { ...bearer, 'Content-Type': 'application/json' };
    const bad = await http(`${base}/api/log-level`, { method: 'PUT', headers: json, body: '{"level":"loud"}' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /unsupported log level/);
    assert.equal((await http(`${base}/api/log-level`, { method: 'PUT', headers: json, body: '{"level":"info","x":1}' })).status, 400);
    assert.equal((await http(`${base}/api/log-level`, { method: 'POST', headers: json, body: '{}' })).status, 405);
    const put = await http(`${base}/api/log-level`, { method: 'PUT', headers: json, body: '{"level":"DEBUG"}' });
    assert.equal(put.status, 200);
    assert.equal((JSON.parse(put.body) as { level: string }).level, 'debug');
    await run.waitForLog(/DEBUG/);
    const logs = JSON.parse((await http(`${base}/api/logs?level=debug`, { headers: bearer })).body) as { logs: { level: string; msg: string }[] };
    const debugLine = logs.logs.find((r) => r.level === 'debug');
    assert.ok(debugLine, 'debug lines appear in /api/logs once the level is debug');
    const word = debugLine.msg.split(' ')[0]!;
    const filtered = JSON.parse((await http(`${base}/api/logs?q=${encodeURIComponent(word)}`, { headers: bearer })).body) as { logs: { msg: string }[] };
    assert.ok(filtered.logs.length > 0 && filtered.logs.length < logs.logs.length + 50);
    const warnOnly = JSON.parse((await http(`${base}/api/logs?level=warn`, { headers: bearer })).body) as { logs: { level: string }[] };
    assert.ok(warnOnly.logs.every((r) => r.level === 'warn' || r.level === 'error'));
    assert.ok(!JSON.stringify(logs).includes(token), 'the token is not in the log records the UI serves');

    // The app's protocol over HTTP: open the stream, say ready, get the snapshot, call a tool from the tool runner.
    const client = 'integration-test';
    const stream = events(`${base}/api/events?client=${client}`, bearer, (m) => m.type === 'mcpResult');
    await Promise.race([stream.ready, stream.done]);
    const post = (message: unknown) => http(`${base}/api/message`, { method: 'POST', headers: { ...json, 'X-Dashboard-Client': client }, body: JSON.stringify(message) });
    assert.equal((await post({ type: 'ready' })).status, 204);
    assert.equal((await post({ type: 'mcp', reqId: 7, request: { method: 'tools/call', name: 'echo', arguments: { message: 'from the web UI' } } })).status, 204);
    assert.equal((await post({ type: 'nonsense' })).status, 400);
    const seen = await stream.done;
    const snapshot = seen.find((m) => m.type === 'snapshot') as { tunnelControls?: boolean; health: { state: string } } | undefined;
    assert.ok(snapshot, 'a snapshot arrives after ready');
    assert.equal(snapshot.tunnelControls, false, 'Start/Stop are not offered by the daemon');
    const result = seen.find((m) => m.type === 'mcpResult') as { reqId: number; result?: unknown; error?: string; traceKey?: number };
    assert.equal(result.reqId, 7);
    assert.equal(result.error, undefined);
    assert.match(JSON.stringify(result.result), /from the web UI/);
    assert.ok(result.traceKey !== undefined, 'the call is in the trace');

    // The trace table's "Export as JSON": the chosen rows, as a download.
    const traceFile = await http(`${base}/api/trace/export`, { method: 'POST', headers: json, body: JSON.stringify({ keys: [result.traceKey] }) });
    assert.equal(traceFile.status, 200);
    assert.match(String(traceFile.headers['content-disposition']), /^attachment; filename="mcp-tunnel-trace-.+\.json"$/);
    const exported = JSON.parse(traceFile.body) as { entries: { method?: string; origin?: string }[] };
    assert.deepEqual(exported.entries.map((e) => [e.method, e.origin]), [['tools/call', 'local']]);
    assert.equal((await http(`${base}/api/trace/export`, { method: 'POST', headers: json, body: '{"keys":"all"}' })).status, 400);

    // Log export: a bad window is a 400 that says what to send; the default is a zip of every part, no secret in it.
    const badWindow = await http(`${base}/api/logs/export?minutes=0`, { headers: bearer });
    assert.equal(badWindow.status, 400);
    assert.match(badWindow.body, /minutes must be a whole number from 1 to 1440/);
    assert.equal((await http(`${base}/api/logs/export?minutes=1441`, { headers: bearer })).status, 400);
    assert.equal((await http(`${base}/api/logs/export`)).status, 401);
    assert.equal((await http(`${base}/api/logs/export`, { headers: { ...bearer, Origin: 'http://evil.example' } })).status, 403);
    const zip = await fetch(`${base}/api/logs/export?minutes=5`, { headers: bearer });
    assert.equal(zip.status, 200);
    assert.equal(zip.headers.get('content-type'), 'application/zip');
    assert.match(zip.headers.get('content-disposition') ?? '', /^attachment; filename="mcp-tunnel-diagnostics-\d{8}T\d{6}Z\.zip"$/);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    assert.deepEqual(Object.keys(files).sort(), ['config.json', 'logs.ndjson', 'manifest.json', 'metrics.prom', 'status.json', 'system.json']);
    assert.equal((JSON.parse(strFromU8(files['manifest.json']!)) as { windowMinutes: number }).windowMinutes, 5);
    assert.match(strFromU8(files['metrics.prom']!), /^# TYPE \w+/m);
    assert.match(strFromU8(files['logs.ndjson']!), /runtime log level updated/);
    const config = JSON.parse(strFromU8(files['config.json']!)) as { argv: string[]; environment: Record<string, string> };
    assert.equal(config.environment.CONTROL_PLANE_API_KEY, '[REDACTED]');
    assert.equal(config.environment.CONTROL_PLANE_TUNNEL_ID, relay.tunnel_id);
    for (const [name, data] of Object.entries(files)) {
      const body = strFromU8(data);
      assert.ok(!body.includes(relay.api_key!), `${name} holds the API key`);
      assert.ok(!body.includes(token), `${name} holds the web UI token`);
    }
  });

  it('refuses /ui and /api on a non-loopback bind without --allow-remote-ui, saying which flag widens it', async () => {
    const run = startRun({ HEALTH_LISTEN_ADDR: '0.0.0.0:0' });
    const line = await run.waitForLog(/health server listening/);
    const port = /:(\d+)/.exec(line.slice(line.indexOf('url=')))![1];
    await run.waitForLog(/--allow-remote-ui/);
    const answer = await http(`http://127.0.0.1:${port}/ui`);
    assert.equal(answer.status, 403);
    assert.match(answer.body, /--allow-remote-ui/);
    assert.equal((await http(`http://127.0.0.1:${port}/api/log-level`)).status, 403);
    // The probes still answer.
    assert.equal((await http(`http://127.0.0.1:${port}/healthz`)).status, 200);
  });
});
