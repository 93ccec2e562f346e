/** Which tunnels come back after a window reload (src/extension/restore.ts), with an in-memory workspace state. */
import { strict as assert } from 'node:assert';
import { RunningMemory, toRestore } from '../../../src/extension/restore';

type Memento = ConstructorParameters<typeof RunningMemory>[0];

/** A workspace state kept in a Map. */
function memento(): Memento {
  const map = new Map<string, unknown>();
  const state = { keys: () => [...map.keys()], get: (k: string, d?: unknown) => (map.has(k) ? map.get(k) : d), update: async (k: string, v: unknown) => void map.set(k, v) };
  return state as unknown as Memento;
}

describe('tunnels restored after a reload', () => {
  const records = [
    { name: 'local', loopback: true },
    { name: 'hosted', loopback: false },
    { name: 'gone', loopback: true },
  ];
  const names = new Set(['local', 'hosted']);

  it('restarts loopback tunnels by default, hosted ones only with "all", none with "off", never a removed profile', () => {
    assert.deepEqual(toRestore(records, 'loopback', names), [{ name: 'local', loopback: true }]);
    assert.deepEqual(toRestore(records, 'all', names).map((r) => r.name), ['local', 'hosted']);
    assert.deepEqual(toRestore(records, 'off', names), []);
  });

  it('remembers what the user started and forgets what the user stopped, once per profile', async () => {
    const memory = new RunningMemory(memento());
    await memory.remember('a', false);
    await memory.remember('b', true);
    await memory.remember('a', true);
    assert.deepEqual(memory.list(), [{ name: 'b', loopback: true }, { name: 'a', loopback: true }]);
    await memory.forget('b');
    assert.deepEqual(memory.list(), [{ name: 'a', loopback: true }]);
  });

  it('ignores a workspace state it did not write', () => {
    const state = memento();
    void state.update('mcpTunnel.runningProfiles', [{ name: 1 }, 'x', { name: 'ok', loopback: false }]);
    assert.deepEqual(new RunningMemory(state).list(), [{ name: 'ok', loopback: false }]);
  });
});
