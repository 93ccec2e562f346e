import { strict as assert } from 'node:assert';
import { redactProfileText } from '../../../src/cli/profileRedact';

describe('profiles show: redaction', () => {
  it('keeps references and comments, hides secrets written into the file itself', () => {
    const text = [
      '# a comment stays',
      'control_plane:',
      '  api_key: sk-live-abcdefgh12345',
      '  extra_headers:',
      '    X-Org: acme',
      'http_proxy: http://user:pa55word@proxy.corp:3128',
      '# api_key: sk-old-key1234567 (commented out, still a key)',
      'mcp:',
      '  commands:',
      '    - command: node server.js',
      '      env:',
      '        TOKEN: env:MY_TOKEN',
      '        PLAIN: hunter2',
      '  server_urls:',
      '    - url: https://mcp.example/mcp',
      '      headers:',
      '        Authorization: Bearer ${env:MCP_TOKEN}',
      '',
    ].join('\n');
    const { text: out, hidden } = redactProfileText(text);
    for (const secret of ['abcdefgh12345', 'acme', 'pa55word', 'sk-old-key1234567', 'hunter2']) assert.ok(!out.includes(secret), `${secret} hidden in:\n${out}`);
    assert.match(out, /# a comment stays/);
    assert.match(out, /TOKEN: env:MY_TOKEN/);
    assert.match(out, /Authorization: Bearer \$\{env:MCP_TOKEN\}/);
    assert.match(out, /command: node server\.js/);
    assert.match(out, /proxy\.corp:3128/);
    assert.equal(hidden, 5);
  });

  it('prints no values of a file that does not parse', () => {
    const { text } = redactProfileText('api_key: "sk-unterminated-1234567\n  : [');
    assert.ok(!text.includes('sk-unterminated'));
    assert.match(text, /does not parse/);
  });
});
