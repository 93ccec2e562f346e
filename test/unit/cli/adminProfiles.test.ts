import { strict as assert } from 'node:assert';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activateProfile, checkKeyReference, deleteProfile, loadProfiles, normalizeProfileName, profilesPath, selectedProfile, setProfile, stateRoot } from '../../../src/cli/adminProfiles';

describe('admin profiles', () => {
  describe('where they live', () => {
    const none = () => false;
    it('TUNNEL_CLIENT_STATE_DIR wins over everything', () => {
      assert.equal(stateRoot({ TUNNEL_CLIENT_STATE_DIR: '/s', XDG_STATE_HOME: '/x', HOME: '/h' }, 'linux', () => true), '/s');
    });
    it('an existing ~/.tunnel-client (or $CODEX_HOME/tunnel-mcp) is kept before XDG_STATE_HOME', () => {
      assert.equal(stateRoot({ XDG_STATE_HOME: '/x', HOME: '/h' }, 'linux', (p) => p === '/h/.tunnel-client'), '/h/.tunnel-client');
      assert.equal(stateRoot({ CODEX_HOME: '/c', HOME: '/h' }, 'linux', (p) => p === '/c/tunnel-mcp' || p === '/h/.tunnel-client'), '/c/tunnel-mcp');
    });
    it('then $XDG_STATE_HOME/tunnel-client, then ~/.local/state/tunnel-client (Application Support on macOS)', () => {
      assert.equal(stateRoot({ XDG_STATE_HOME: '/x', HOME: '/h' }, 'linux', none), '/x/tunnel-client');
      assert.equal(stateRoot({ HOME: '/h' }, 'linux', none), '/h/.local/state/tunnel-client');
      assert.equal(stateRoot({ HOME: '/h' }, 'darwin', none), '/h/Library/Application Support/tunnel-client');
    });
  });

  it('normalizes names as the state file keys them', () => {
    assert.equal(normalizeProfileName('  Work__Main!! '), 'work-main');
    assert.throws(() => normalizeProfileName('!!'), /needs at least one ASCII letter or digit/);
  });

  it('accepts only env:NAME and file:/path references', () => {
    checkKeyReference('env:OPENAI_ADMIN_KEY', 'k');
    checkKeyReference('file:/run/secrets/admin', 'k');
    for (const bad of ['sk-admin-abc', 'OPENAI_ADMIN_KEY', 'env:1BAD', 'file:', '${env:X}']) assert.throws(() => checkKeyReference(bad, 'k'), /k/, bad);
  });

  it('set, activate and delete keep one active profile; the file is private and holds only references', async () => {
    const root = mkdtempSync(join(tmpdir(), 'admin-profiles-'));
    await setProfile(root, 'one', { activate: true }, {});
    const { profile } = await setProfile(root, 'two', { adminKey: 'file:/k', baseUrl: 'http://127.0.0.1:1', activate: false }, {});
    assert.equal(profile.control_plane_base_url, 'http://127.0.0.1:1');
    let data = await loadProfiles(root);
    assert.equal(data.active_profile, 'one', 'a profile saved with --no-activate leaves the active one');
    assert.equal(data.profiles.one.admin_key, 'env:OPENAI_ADMIN_KEY', 'the default reference');
    assert.equal(data.profiles.one.control_plane_base_url, 'https://api.openai.com');
    assert.equal(statSync(profilesPath(root)).mode & 0o777, 0o600);
    await activateProfile(root, 'two');
    assert.equal((await selectedProfile({ TUNNEL_CLIENT_STATE_DIR: root }))?.name, 'two');
    assert.equal((await selectedProfile({ TUNNEL_CLIENT_STATE_DIR: root, TUNNEL_MCP_ADMIN_PROFILE: 'one' }))?.name, 'one');
    await assert.rejects(selectedProfile({ TUNNEL_CLIENT_STATE_DIR: root, TUNNEL_MCP_ADMIN_PROFILE: 'three' }), /TUNNEL_MCP_ADMIN_PROFILE names admin profile three/);
    data = await deleteProfile(root, 'two');
    assert.equal(data.active_profile, 'one');
    await assert.rejects(setProfile(root, 'bad', { adminKey: 'sk-admin-x', activate: true }, {}), /never the key itself/);
    assert.deepEqual(Object.keys((await loadProfiles(root)).profiles), ['one']);
  });

  it('reads the file as YAML (as another client may write it), and says how to repair one it cannot read', async () => {
    const root = mkdtempSync(join(tmpdir(), 'admin-profiles-'));
    writeFileSync(profilesPath(root), 'active_profile: a\nprofiles:\n  a: {name: a, control_plane_base_url: "https://api.openai.com", admin_key: "env:A"}\n');
    assert.equal((await selectedProfile({ TUNNEL_CLIENT_STATE_DIR: root }))?.admin_key, 'env:A');
    writeFileSync(profilesPath(root), '[1, 2');
    await assert.rejects(loadProfiles(root), /is not valid YAML or JSON: repair or remove it/);
  });
});
