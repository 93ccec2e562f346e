import { strict as assert } from 'node:assert';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ControlPlaneClient, ControlPlaneError } from '../../src/engine/controlPlane';
import type { EngineConfig, TlsMaterial } from '../../src/engine/config';
import { makeTestPki, type TestPki } from '../helpers/certs';

const TUNNEL = `tunnel_${'m'.repeat(32)}`;

describe('control-plane hop over mutual TLS', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let server: https.Server;
  let baseUrl: string;
  const seen: { cn?: string | string[]; path?: string }[] = [];

  before(async () => {
    pki = makeTestPki();
    server = https.createServer({ cert: pki.pem['server.crt'], key: pki.pem['server.key'], ca: pki.pem['ca.crt'], requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const cn = (req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN;
      seen.push({ cn, path: req.url });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: TUNNEL, name: 'mTLS tunnel', description: '' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A path prefix before /v1, as a gateway would mount the API.
    baseUrl = `https://localhost:${(server.address() as AddressInfo).port}/gateway`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    pki.remove();
  });

  function client(tls: TlsMaterial): ControlPlaneClient {
    const config: EngineConfig['controlPlane'] = { baseUrl, tunnelId: TUNNEL, apiKey: 'sk-test-mtls', extraHeaders: {}, tls, pollTimeoutMs: 1000, maxInflightRequests: 1 };
    return new ControlPlaneClient(config, '{"version":1,"channels":[{"name":"main"}]}');
  }

  it('presents the control-plane client certificate and trusts the configured CA bundle', async () => {
    const c = client({ cert: pki.pem['client.crt'], key: pki.pem['client.key'], ca: pki.pem['ca.crt'] });
    const meta = await c.getMetadata(new AbortController().signal);
    assert.equal(meta.name, 'mTLS tunnel');
    assert.deepEqual(seen.at(-1), { cn: 'mcp-tunnel-client', path: `/gateway/v1/tunnels/${TUNNEL}` });
    await c.close();
  });

  it('cannot reach a control plane that requires a client certificate without one', async () => {
    const c = client({ ca: pki.pem['ca.crt'] });
    await assert.rejects(c.getMetadata(new AbortController().signal), (err: unknown) => err instanceof ControlPlaneError && err.kind === 'network');
    await c.close();
  });

  it('refuses a server certificate from an authority it was not told to trust', async () => {
    const c = client({ cert: pki.pem['client.crt'], key: pki.pem['client.key'] });
    await assert.rejects(c.getMetadata(new AbortController().signal), (err: unknown) => err instanceof ControlPlaneError && err.kind === 'network');
    await c.close();
  });
});
