import { strict as assert } from 'node:assert';
import { buildChildEnv } from '../../../src/engine/mcp/childEnv';

const parent = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/dev',
  USER: 'dev',
  LOGNAME: 'dev',
  SHELL: '/bin/bash',
  LANG: 'en_US.UTF-8',
  LC_ALL: 'C.UTF-8',
  LC_TIME: 'en_GB.UTF-8',
  TZ: 'Europe/Paris',
  TMPDIR: '/tmp',
  TERM: 'xterm',
  NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
  CONTROL_PLANE_API_KEY: 'sk-runtime-secret',
  OPENAI_API_KEY: 'sk-openai-secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  GITHUB_TOKEN: 'ghp_secret',
  NODE_OPTIONS: '--require /tmp/evil.js',
  UNSET: undefined,
};

describe('buildChildEnv: a stdio MCP server gets a minimal environment', () => {
  it('keeps what a program needs to run: PATH, home, user, shell, locale, time zone, temp, terminal, extra CAs', () => {
    const env = buildChildEnv({}, parent, 'linux');
    const kept = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_TIME', 'TZ', 'TMPDIR', 'TERM', 'NODE_EXTRA_CA_CERTS'] as const;
    assert.deepEqual(env, Object.fromEntries(kept.map((name) => [name, parent[name]])));
  });

  it('never passes the runtime API key or any other credential from the parent', () => {
    const env = buildChildEnv({}, parent, 'linux');
    for (const name of ['CONTROL_PLANE_API_KEY', 'OPENAI_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'NODE_OPTIONS']) {
      assert.equal(env[name], undefined, `${name} leaked into the child environment`);
    }
    assert.ok(!Object.values(env).some((v) => v.includes('secret')));
  });

  it('adds configured variables, which win over inherited ones', () => {
    const env = buildChildEnv({ API_BASE: 'http://localhost:9000', LANG: 'fr_FR.UTF-8' }, parent, 'linux');
    assert.equal(env.API_BASE, 'http://localhost:9000');
    assert.equal(env.LANG, 'fr_FR.UTF-8');
    assert.equal(env.PATH, '/usr/bin:/bin');
  });

  it('compares names exactly on POSIX, so a lowercase look-alike is not inherited', () => {
    const env = buildChildEnv({}, { PATH: '/bin', path: '/evil', Home: '/x' }, 'linux');
    assert.deepEqual(env, { PATH: '/bin' });
  });

  it('on Windows keeps the system variables programs need, whatever their case', () => {
    const env = buildChildEnv(
      {},
      {
        Path: 'C:\\Windows',
        SystemRoot: 'C:\\Windows',
        ComSpec: 'C:\\Windows\\cmd.exe',
        PATHEXT: '.COM;.EXE;.CMD',
        APPDATA: 'C:\\Users\\dev\\AppData\\Roaming',
        LOCALAPPDATA: 'C:\\Users\\dev\\AppData\\Local',
        USERPROFILE: 'C:\\Users\\dev',
        CONTROL_PLANE_API_KEY: 'sk-runtime-secret',
      },
      'win32',
    );
    assert.deepEqual(Object.keys(env).sort(), ['APPDATA', 'ComSpec', 'LOCALAPPDATA', 'PATHEXT', 'Path', 'SystemRoot', 'USERPROFILE']);
  });

  it('on Windows a configured PATH replaces the inherited Path instead of duplicating it', () => {
    const env = buildChildEnv({ PATH: 'D:\\tools' }, { Path: 'C:\\Windows' }, 'win32');
    assert.deepEqual(env, { PATH: 'D:\\tools' });
  });

  it('reads process.env by default', () => {
    const env = buildChildEnv({});
    assert.equal(env.PATH, process.env.PATH);
  });
});
