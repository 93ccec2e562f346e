import { strict as assert } from 'node:assert';
import { Logger, type LogRecord } from '../../../src/engine/log';
import { REDACTED, redactText, redactValue } from '../../../src/engine/redact';

describe('redaction', () => {
  it('hides secret-looking fields and bearer tokens but keeps protocol data readable', () => {
    const out = redactValue({
      headers: { Authorization: 'Bearer sk-live-abcdef123456', 'Mcp-Session-Id': 'sess-visible' },
      params: { _meta: { progressToken: 42 }, api_key: 'x-123456', password: 'hunter22' },
      note: 'called with sk-proj-0123456789abcdef',
    }) as Record<string, any>;
    assert.equal(out.headers.Authorization, REDACTED);
    assert.equal(out.headers['Mcp-Session-Id'], 'sess-visible');
    assert.equal(out.params._meta.progressToken, 42);
    assert.equal(out.params.api_key, REDACTED);
    assert.equal(out.params.password, REDACTED);
    assert.equal(out.note, `called with ${REDACTED}`);
  });

  it('removes registered secrets from free text', () => {
    assert.equal(redactText('key=abc-secret-value here', ['abc-secret-value']), `key=${REDACTED} here`);
  });
});

describe('Logger', () => {
  it('switches level at runtime for every child logger and never prints registered secrets', () => {
    const logger = Logger.create('info');
    const child = logger.child('poller');
    const records: LogRecord[] = [];
    logger.addSink((r) => records.push(r));
    logger.addSecret('my-runtime-key-123');
    child.debug('hidden');
    logger.setLevel('debug');
    child.debug('visible', { token: 'my-runtime-key-123', detail: 'uses my-runtime-key-123' });
    assert.equal(records.length, 1);
    assert.equal(records[0]!.scope, 'poller');
    assert.ok(!JSON.stringify(records).includes('my-runtime-key-123'));
  });
});

describe('redaction of credentials inside text', () => {
  it('hides the user information of a URL but keeps its host', () => {
    assert.equal(redactText('proxy at http://alice:s3cr3t-pw@proxy.local:3128/x'), `proxy at http://${REDACTED}@proxy.local:3128/x`);
  });

  it('hides query parameters named like secrets and keeps the others', () => {
    const out = redactText('GET https://cp.example/poll?tunnel=t1&token=abc123&api_key=k-999&code=oauth-code-1&sig=zz&page=2');
    assert.equal(out, `GET https://cp.example/poll?tunnel=t1&token=${REDACTED}&api_key=${REDACTED}&code=${REDACTED}&sig=${REDACTED}&page=2`);
  });

  it('hides cookie header values written as text', () => {
    assert.equal(redactText('Cookie: session=abcdef; theme=dark'), `Cookie: ${REDACTED}`);
    assert.equal(redactText('set-cookie=id=42; HttpOnly'), `set-cookie=${REDACTED}`);
  });

  it('hides bearer tokens and shard tokens by field name', () => {
    const out = redactValue({ shard_token: 'shard-abc-123', 'X-Tunnel-Shard-Token': 'shard-xyz', cookie: 'a=b', msg: 'Authorization: Bearer abcdefgh' }) as Record<string, unknown>;
    assert.equal(out.shard_token, REDACTED);
    assert.equal(out['X-Tunnel-Shard-Token'], REDACTED);
    assert.equal(out.cookie, REDACTED);
    assert.equal(out.msg, `Authorization: Bearer ${REDACTED}`);
  });

  it('leaves ordinary text alone', () => {
    const text = 'process exited with code=1 after 3 attempts; see https://example.com/docs?page=2#x';
    assert.equal(redactText(text), text);
  });
});
