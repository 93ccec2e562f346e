// The least one polled command can cost a tunnel client on this machine: one
// response POST per command (the protocol has no batch answer), made with
// undici as the engine makes it (one pooled Agent, keep-alive, no Nagle),
// the same body size and the same number of headers, `concurrency` at once.
// Plain CommonJS, so no TypeScript loader runs inside the measured process.
//
// usage: node bench/post-floor.cjs <url> <count> <concurrency> <bodyBytes> <headerCount>
// prints one JSON line {cpuUsPerRequest, requestsPerSecond}.
'use strict';
const path = require('node:path');
const { Agent } = require(path.join(__dirname, '..', 'node_modules', 'undici'));

const [url, countArg, concurrencyArg, bodyArg, headerArg] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const body = Buffer.from(JSON.stringify({ request_id: 'req_0', resp_type: 'jsonrpc_response', resp_code: 200, resp_headers: {}, pad: 'x'.repeat(Math.max(0, Number(bodyArg) - 90)) }));
const headers = { 'Content-Type': 'application/json' };
for (let i = 1; i < Number(headerArg); i++) headers[`X-Bench-Header-${i}`] = `value-${i}-${'v'.repeat(24)}`;
const { origin, pathname } = new URL(url);
const agent = new Agent({ connect: { noDelay: true }, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });

async function post() {
  const res = await agent.request({ origin, path: pathname, method: 'POST', headers, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
}

async function run(n) {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < n) {
        started++;
        await post();
      }
    }),
  );
}

(async () => {
  await run(Math.min(2000, count));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(count);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ cpuUsPerRequest: (cpu.user + cpu.system) / count, requestsPerSecond: count / seconds }) + '\n');
  await agent.close();
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
