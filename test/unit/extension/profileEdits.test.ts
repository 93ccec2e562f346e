/**
 * Remove, Rename and Duplicate Profile below the editor: the edit of one
 * scope's `mcpTunnel.profiles` array (src/extension/profileEdits.ts), the
 * API key moved or copied in secret storage (src/extension/secrets.ts, with
 * an in-memory SecretStorage), and where a problem sits in a settings file
 * (src/extension/problemLocations.ts).
 */
import { strict as assert } from 'node:assert';
import { duplicateProfileAt, removeProfileAt, renameProfileAt, StaleProfileError } from '../../../src/extension/profileEdits';
import { fieldPath, locateProblem } from '../../../src/extension/problemLocations';
import { ApiKeys } from '../../../src/extension/secrets';

const a = { name: 'a', controlPlane: { tunnelId: 'tunnel_a' }, mcp: { servers: [{ command: 'node a.js' }] } };
const b = { name: 'b', loopback: true, mcp: { servers: [{ url: 'http://127.0.0.1:3000/mcp' }] } };
const twin = { name: 'a', mcp: { servers: [] } };

type SecretStorage = ConstructorParameters<typeof ApiKeys>[0];

/** SecretStorage kept in a Map: enough for ApiKeys, which only gets, stores and deletes. */
function memorySecrets(): { storage: SecretStorage; map: Map<string, string> } {
  const map = new Map<string, string>();
  const storage = {
    get: async (k: string) => map.get(k),
    store: async (k: string, v: string) => void map.set(k, v),
    delete: async (k: string) => void map.delete(k),
  };
  return { storage: storage as unknown as SecretStorage, map };
}

describe('profile edits of one settings scope', () => {
  it('removes the profile at its index, and only that one of two with its name', () => {
    assert.deepEqual(removeProfileAt([a, b], 0, 'a'), [b]);
    assert.deepEqual(removeProfileAt([a, b, twin], 2, 'a'), [a, b]);
  });

  it('renames in place, keeping every other field and the order', () => {
    const renamed = renameProfileAt([a, b], 1, 'b', 'local') as (typeof b)[];
    assert.deepEqual(renamed.map((p) => p.name), ['a', 'local']);
    assert.deepEqual({ ...renamed[1], name: 'b' }, b);
  });

  it('duplicates right after the original, as a deep copy under the new name', () => {
    const list = duplicateProfileAt([a, b], 0, 'a', 'a-copy') as (typeof a)[];
    assert.deepEqual(list.map((p) => p.name), ['a', 'a-copy', 'b']);
    list[1]!.mcp.servers[0]!.command = 'changed';
    assert.equal(a.mcp.servers[0]!.command, 'node a.js', 'the original is untouched');
  });

  it('refuses an edit when the settings changed since they were read', () => {
    assert.throws(() => removeProfileAt([b, a], 0, 'a'), StaleProfileError);
    assert.throws(() => renameProfileAt([], 0, 'a', 'x'), /changed in settings meanwhile/);
  });
});

describe('a profile API key follows Rename and Duplicate', () => {
  it('moves the key on rename, copies it on duplicate, and does nothing without one', async () => {
    const { storage, map } = memorySecrets();
    const keys = new ApiKeys(storage);
    await keys.set('old', 'sk-proj-1');
    assert.equal(await keys.transfer('old', 'new', 'move'), true);
    assert.deepEqual([await keys.get('old'), await keys.get('new')], [undefined, 'sk-proj-1']);
    assert.equal(await keys.transfer('new', 'copy', 'copy'), true);
    assert.deepEqual([await keys.get('new'), await keys.get('copy')], ['sk-proj-1', 'sk-proj-1']);
    assert.equal(await keys.transfer('nobody', 'x', 'move'), false);
    assert.deepEqual([...map.keys()].sort(), ['mcpTunnel.apiKey.copy', 'mcpTunnel.apiKey.new']);
  });
});

describe('where a profile problem sits in settings.json', () => {
  const text = `{
  // comments and trailing commas, as users write them
  "editor.fontSize": 13,
  "mcpTunnel.profiles": [
    { "name": "ok", "loopback": true, "mcp": { "servers": [{ "command": "node s.js" }] } },
    {
      "name": "broken",
      "controlPlane": { "tunnelId": "tunnel_BAD" },
      "mcp": { "servers": [{ "command": "node s.js", "url": "x" }] },
    },
  ],
}`;
  const at = (span: { offset: number; length: number } | undefined) => span && text.slice(span.offset, span.offset + span.length);

  it('reads field names as paths', () => {
    assert.deepEqual(fieldPath('mcp.servers[0].url'), ['mcp', 'servers', 0, 'url']);
    assert.deepEqual(fieldPath('controlPlane.tunnelId'), ['controlPlane', 'tunnelId']);
  });

  it('points at the key of the field a problem names, in the profile at its index', () => {
    assert.equal(at(locateProblem(text, ['mcpTunnel.profiles'], 1, 'controlPlane.tunnelId')), '"tunnelId"');
    assert.equal(at(locateProblem(text, ['mcpTunnel.profiles'], 1, 'mcp.servers[0].url')), '"url"');
    assert.equal(at(locateProblem(text, ['mcpTunnel.profiles'], 1, 'name')), '"name"');
  });

  it('falls back to the nearest part that is there, then the profile; nothing for a profile that is not', () => {
    assert.equal(at(locateProblem(text, ['mcpTunnel.profiles'], 1, 'controlPlane.apiKey')), '"controlPlane"');
    assert.equal(at(locateProblem(text, ['mcpTunnel.profiles'], 0, 'health.listenAddr')), '{');
    assert.equal(locateProblem(text, ['mcpTunnel.profiles'], 5, 'name'), undefined);
    assert.equal(locateProblem(text, ['settings', 'mcpTunnel.profiles'], 0, 'name'), undefined);
  });
});
