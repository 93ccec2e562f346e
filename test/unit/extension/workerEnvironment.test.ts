/** What the extension's tunnel worker inherits from the extension host's environment. */
import { strict as assert } from 'node:assert';
import { workerEnvironment } from '../../../src/host/workerHost';

const host = {
  PATH: '/usr/bin',
  HOME: '/home/dev',
  LANG: 'C.UTF-8',
  HTTPS_PROXY: 'http://proxy:3128',
  NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
  CONTROL_PLANE_API_KEY: 'sk-runtime',
  OPENAI_API_KEY: 'sk-openai',
  GITHUB_TOKEN: 'ghp_x',
  AWS_SECRET_ACCESS_KEY: 'aws',
  AWS_ACCESS_KEY_ID: 'AKIA',
  DB_PASSWORD: 'hunter2',
  GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json',
  SIGNING_KEY: 'k',
  ODD_NAME: 'prefix-the-runtime-api-key-suffix',
  UNSET: undefined,
};

describe('workerEnvironment: what the worker inherits', () => {
  it('drops secret-looking names and any value holding a configured secret, and runs Electron as node', () => {
    const env = workerEnvironment(host, ['the-runtime-api-key']);
    const kept = ['PATH', 'HOME', 'LANG', 'HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS'] as const;
    assert.deepEqual(env, { ...Object.fromEntries(kept.map((name) => [name, host[name]])), ELECTRON_RUN_AS_NODE: '1' });
  });
});
