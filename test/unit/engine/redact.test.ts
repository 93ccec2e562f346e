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
