import { strict as assert } from 'node:assert';
import { loadProfile } from '../../../src/profiles/load';
import { resolveProfile } from '../../../src/profiles/resolve';
import { profileFlagsFrom } from '../../../src/cli/profileFlags';
import { parseCli } from '../../../src/cli/options';
import { API_KEY, failure, tempDirPerTest, TUNNEL_ID, writeFile } from '../profiles/support';

const CP = `control_plane:\n  tunnel_id: ${TUNNEL_ID}\n  api_key: env:CONTROL_PLANE_API_KEY\n`;
const BASE = `${CP}mcp:\n  commands:\n    - command: node server.js\n`;

describe('Harpoon settings: YAML, HARPOON_* variables and --harpoon.* flags', () => {
  let dir: string;
  tempDirPerTest((d) => (dir = d));
  const load = async (yaml: string, env: Record<string, string> = {}, argv: string[] = []) => {
    const flags = argv.length > 0 ? profileFlagsFrom(parseCli(['run', ...argv]).values as Record<string, unknown>) : undefined;
    return loadProfile({ profileFile: await writeFile(dir, 'p.yaml', yaml), env: { CONTROL_PLANE_API_KEY: API_KEY, ...env }, ...(flags ? { flags: flags.flags, flagSpellings: flags.spellings } : {}) });
  };

  it('reads the harpoon section with the reference keys and defaults', async () => {
    const loaded = await load(
      `${BASE}harpoon:\n  targets:\n    - label: auth\n      url: https://auth.corp.example/oauth\n      description: Corporate IdP\n    - label: local\n      url: http://localhost/api\n      unix_socket: /run/api.sock\n  allow_plaintext_http: true\n  max_response_bytes: 2048\n  max_redirects: 2\n  capture_payloads: true\n  hosts_include_suffix: [corp.example]\n  hosts_include_regex: ['^idp[0-9]+\\.']\n  hosts_include_loopback: false\n  hosts_include_private: false\n`,
    );
    const config = await resolveProfile(loaded.profile, { env: { CONTROL_PLANE_API_KEY: API_KEY } });
    assert.deepEqual(config.harpoon, {
      targets: [
        { label: 'auth', url: 'https://auth.corp.example/oauth', description: 'Corporate IdP' },
        { label: 'local', url: 'http://localhost/api', unixSocket: '/run/api.sock' },
      ],
      allowPlaintextHttp: true,
      maxResponseBytes: 2048,
      maxRedirects: 2,
      capturePayloads: true,
      hostsIncludeSuffix: ['corp.example'],
      hostsIncludeRegex: ['^idp[0-9]+\\.'],
      hostsIncludeLoopback: false,
      hostsIncludePrivate: false,
    });
    assert.deepEqual(loaded.warnings, []);
  });

  it('reads every HARPOON_* variable', async () => {
    const loaded = await load(BASE, {
      HARPOON_TARGETS: 'label=auth,url=https://auth.corp.example,desc=IdP;label=api,url=http://10.0.0.5/v1,unix-socket=/run/api.sock',
      HARPOON_ALLOW_PLAINTEXT_HTTP: 'true',
      HARPOON_MAX_RESPONSE_BYTES: '4096',
      HARPOON_MAX_REDIRECTS: '0',
      HARPOON_HTTP_PROXY: 'http://proxy.corp:3128',
      HARPOON_CAPTURE_PAYLOADS: '1',
      HARPOON_HOSTS_INCLUDE_SUFFIX: 'corp.example\ninternal',
      HARPOON_HOSTS_INCLUDE_REGEX: '^idp;^sso',
      HARPOON_HOSTS_INCLUDE_LOOPBACK: 'false',
      HARPOON_HOSTS_INCLUDE_PRIVATE: 'F',
    });
    const config = await resolveProfile(loaded.profile, { env: { CONTROL_PLANE_API_KEY: API_KEY } });
    assert.deepEqual(config.harpoon, {
      targets: [
        { label: 'auth', url: 'https://auth.corp.example', description: 'IdP' },
        { label: 'api', url: 'http://10.0.0.5/v1', unixSocket: '/run/api.sock' },
      ],
      allowPlaintextHttp: true,
      maxResponseBytes: 4096,
      maxRedirects: 0,
      httpProxy: 'http://proxy.corp:3128',
      capturePayloads: true,
      hostsIncludeSuffix: ['corp.example', 'internal'],
      hostsIncludeRegex: ['^idp', '^sso'],
      hostsIncludeLoopback: false,
      hostsIncludePrivate: false,
    });
  });

  it('reads the --harpoon.* flags, which win over the environment', async () => {
    const loaded = await load(BASE, { HARPOON_MAX_REDIRECTS: '1' }, [
      '--harpoon.target',
      'label=auth,url=https://auth.corp.example',
      '--harpoon.target',
      'label=api,url=https://api.corp.example/v2',
      '--harpoon.max-redirects',
      '3',
      '--harpoon.max-response-bytes',
      '1000',
      '--harpoon.capture-payloads',
      '--harpoon.hosts-include-suffix',
      'corp.example',
    ]);
    assert.deepEqual(loaded.profile.harpoon.targets.map((t) => t.label), ['auth', 'api']);
    assert.deepEqual([loaded.profile.harpoon.maxRedirects, loaded.profile.harpoon.maxResponseBytes, loaded.profile.harpoon.capturePayloads], [3, 1000, true]);
    assert.deepEqual(loaded.profile.harpoon.hostsIncludeSuffix, ['corp.example']);
  });

  it('refuses bad settings naming where they came from and what to do', async () => {
    const plaintext = await failure(load(`${BASE}harpoon:\n  targets:\n    - label: api\n      url: http://10.0.0.5/v1\n`));
    assert.equal(plaintext.field, 'harpoon.targets[0].url');
    assert.match(plaintext.problem, /plaintext http:\/\//);
    assert.match(plaintext.fix, /allow_plaintext_http: true/);
    const big = await failure(load(`${BASE}harpoon:\n  max_response_bytes: 200000\n`));
    assert.match(big.problem, /less than or equal to 102400/);
    const label = await failure(load(`${BASE}harpoon:\n  targets:\n    - label: Bad Label\n      url: https://x.example\n`));
    assert.equal(label.field, 'harpoon.targets[0].label');
    const env = await failure(load(BASE, { HARPOON_TARGETS: 'url=https://x.example' }));
    assert.equal(env.field, 'HARPOON_TARGETS');
    assert.match(env.problem, /needs both label= and url=/);
    const regex = await failure(load(`${BASE}harpoon:\n  hosts_include_regex: ['(']\n`));
    assert.equal(regex.field, 'harpoon.hosts_include_regex[0]');
  });

  it('takes harpoon in poll_channels, and allows a Harpoon-only client with a target', async () => {
    const both = await load(BASE.replace('  api_key:', '  poll_channels: [main, harpoon]\n  api_key:'));
    assert.deepEqual(both.profile.controlPlane.pollChannels, ['main', 'harpoon']);
    const only = await load(`${CP}harpoon:\n  targets:\n    - label: auth\n      url: https://auth.corp.example\n`, { CONTROL_PLANE_POLL_CHANNELS: 'harpoon' });
    assert.deepEqual(only.profile.controlPlane.pollChannels, ['harpoon']);
    assert.deepEqual(only.profile.mcp.servers, []);
    const config = await resolveProfile(only.profile, { env: { CONTROL_PLANE_API_KEY: API_KEY } });
    assert.deepEqual(config.mcp.targets, []);
    assert.equal(config.harpoon?.targets.length, 1);
    const noTarget = await failure(load(BASE, { CONTROL_PLANE_POLL_CHANNELS: 'harpoon' }));
    assert.match(noTarget.message, /lists harpoon without main, but harpoon has no target/);
    const noServer = await failure(load(CP));
    assert.match(noServer.problem, /is required/);
    assert.match(noServer.fix, /MCP_COMMAND/);
  });
});
