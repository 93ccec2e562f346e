import { strict as assert } from 'node:assert';
import { serverInfoHeader } from '../../../src/engine/controlPlane';

describe('X-Tunnel-MCP-Server-Info', () => {
  it('declares proc_affinity only for process-local channels and never as false', () => {
    const value = serverInfoHeader([
      { name: 'main', procAffinity: true },
      { name: 'remote', procAffinity: false },
    ]);
    assert.equal(value, '{"version":1,"channels":[{"name":"main","proc_affinity":true},{"name":"remote"}]}');
  });

  it('refuses a declaration over 4096 bytes instead of sending a header the service would reject', () => {
    const channels = Array.from({ length: 32 }, (_, i) => ({ name: `${'c'.repeat(150)}${i}`, procAffinity: true }));
    assert.throws(() => serverInfoHeader(channels), /4096 bytes/);
  });
});
