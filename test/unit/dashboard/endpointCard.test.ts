/**
 * The dashboard's MCP endpoint card (webview/dashboard/Endpoint.tsx) as a user
 * reads it on the Health tab: the loopback front door's URL and auth mode,
 * and buttons that ask the host to copy; the webview never holds the token.
 */
import { strict as assert } from 'node:assert';
import { h } from 'preact';
import { Health } from '../../../webview/dashboard/Health';
import type { EndpointCopy, HealthView } from '../../../webview/protocol';
import { facts, mount, text, type FakeElement, type Mounted } from '../../helpers/dom';
import { HEALTH } from './fixtures';

/** What a click does: preact's listener, under the event name it registered (the fake DOM has no onclick property, so preact keeps the case). */
function click(el: FakeElement): void {
  const [type, listener] = [...el.listeners.entries()].find(([t]) => t.toLowerCase() === 'click')!;
  (listener as (this: FakeElement, e: unknown) => void).call(el, { type });
}

const ENDPOINT = { url: 'http://127.0.0.1:41234/v1/mcp/tunnel_loop', auth: 'bearer token (or token in path)', hasToken: true };

describe('dashboard Health tab: the loopback MCP endpoint', () => {
  let mounted: Mounted | undefined;
  afterEach(() => {
    mounted?.unmount();
    mounted = undefined;
  });

  function show(health: HealthView, onCopyEndpoint?: (what: EndpointCopy) => void): FakeElement {
    mounted = mount(h(Health, { health, onCopyEndpoint }));
    return mounted.root;
  }

  const card = (root: FakeElement) => root.querySelector('section[aria-labelledby="h-endpoint"]');
  const buttons = (section: FakeElement) => section.querySelectorAll('button');

  it('shows the URL and the auth mode, with Copy MCP URL, Copy Token and Copy as curl, each asking the host for its copy', () => {
    const asked: EndpointCopy[] = [];
    const section = card(show({ ...HEALTH, endpoint: ENDPOINT }, (what) => asked.push(what)))!;
    assert.ok(section, 'an endpoint card');
    assert.equal(text(section.querySelector('h2')), 'MCP endpoint');
    assert.deepEqual(facts(section.querySelector('dl')), [
      ['URL', ENDPOINT.url],
      ['Auth', 'bearer token (or token in path)'],
    ]);
    assert.deepEqual(
      buttons(section).map((b) => text(b)),
      ['Copy MCP URL', 'Copy Token', 'Copy as curl'],
    );
    for (const b of buttons(section)) click(b);
    assert.deepEqual(asked, ['url', 'token', 'curl']);
  });

  it('offers no Copy Token for a front door without a token, and no card at all when the profile is not in loopback', () => {
    const section = card(show({ ...HEALTH, endpoint: { ...ENDPOINT, auth: 'no auth', hasToken: false } }))!;
    assert.deepEqual(
      buttons(section).map((b) => text(b)),
      ['Copy MCP URL', 'Copy as curl'],
    );
    mounted!.unmount();
    assert.equal(card(show(HEALTH)), null);
  });
});
