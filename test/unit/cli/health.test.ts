import { strict as assert } from 'node:assert';
import { metricValue, normalizeBaseUrl } from '../../../src/cli/healthCommand';

describe('mcp-tunnel health: parsing', () => {
  it('takes a base URL, a /healthz or a /readyz URL', () => {
    assert.equal(normalizeBaseUrl(' http://127.0.0.1:8080/readyz\n'), 'http://127.0.0.1:8080');
    assert.equal(normalizeBaseUrl('http://127.0.0.1:8080/healthz'), 'http://127.0.0.1:8080');
    assert.equal(normalizeBaseUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
    assert.equal(normalizeBaseUrl('  '), '');
  });

  it('reads a metric sample with or without labels, and not a metric whose name only starts the same', () => {
    const text = '# HELP x\nx_total 3\nx 1.5e9\ny{a="1"} 7\n';
    assert.equal(metricValue(text, 'x'), 1.5e9);
    assert.equal(metricValue(text, 'y'), 7);
    assert.equal(metricValue(text, 'z'), undefined);
    assert.equal(metricValue('x_total 3\n', 'x'), undefined);
  });
});
