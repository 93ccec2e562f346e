import { strict as assert } from 'node:assert';
import { dataUri, promptResult, resourceResult, toolResult } from '../../../webview/model/toolResult';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('MCP results for display', () => {
  it('shows text, images as data: URIs, resource links, embedded resources and structured content', () => {
    const rendered = toolResult({
      content: [
        { type: 'text', text: 'Echo: hi' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        { type: 'resource_link', uri: 'test://static/resource/1', name: 'Resource 1', mimeType: 'text/plain' },
        { type: 'resource', resource: { uri: 'test://x', mimeType: 'text/plain', text: 'inline' } },
      ],
      structuredContent: { temperature: 22 },
    });
    assert.equal(rendered.isError, false);
    assert.deepEqual(
      rendered.parts.map((p) => p.kind),
      ['text', 'image', 'link', 'resource', 'json'],
    );
    assert.equal((rendered.parts[1] as { src: string }).src, `data:image/png;base64,${PNG}`);
    assert.deepEqual(rendered.parts[4], { kind: 'json', label: 'structured content', value: { temperature: 22 } });
  });

  it('marks a tool error', () => {
    assert.equal(toolResult({ content: [{ type: 'text', text: 'boom' }], isError: true }).isError, true);
  });

  it('never builds a data: URI from an unexpected media type or data', () => {
    assert.equal(dataUri('text/html', PNG, 'image'), undefined);
    assert.equal(dataUri('image/svg+xml', '<svg onload=alert(1)>', 'image'), undefined);
    assert.equal(dataUri('image/png;charset=x', PNG, 'image'), undefined);
    const part = toolResult({ content: [{ type: 'image', data: 'not base64!', mimeType: 'image/png' }] }).parts[0]!;
    assert.equal(part.kind, 'json');
  });

  it('shows resources/read contents and prompt messages', () => {
    const read = resourceResult({ contents: [{ uri: 'test://a', mimeType: 'application/octet-stream', blob: 'AAAA' }] });
    assert.deepEqual(read.parts[0], { kind: 'resource', uri: 'test://a', mimeType: 'application/octet-stream', blobBytes: 3, src: undefined });
    const prompt = promptResult({ description: 'A prompt', messages: [{ role: 'user', content: { type: 'text', text: 'Hello' } }] });
    assert.deepEqual(prompt.parts, [
      { kind: 'text', text: 'A prompt' },
      { kind: 'heading', text: 'user' },
      { kind: 'text', text: 'Hello' },
    ]);
  });

  it('falls back to JSON for anything else', () => {
    assert.equal(toolResult('odd').parts[0]!.kind, 'json');
    assert.equal(toolResult({ content: [{ type: 'future', x: 1 }] }).parts[0]!.kind, 'json');
  });
});
