/**
 * The Harpoon channel on the dashboard's Health tab: its targets (no URLs)
 * and its recent calls, with bodies only when the engine captured them.
 */
import { strict as assert } from 'node:assert';
import { h } from 'preact';
import { Health } from '../../../webview/dashboard/Health';
import { facts, mount, type Mounted } from '../../helpers/dom';
import { HEALTH } from '../dashboard/fixtures';
import type { ChannelStatusEntry } from '../../../src/engine/events';
import type { HealthView } from '../../../webview/protocol';

describe('dashboard Health tab: the Harpoon channel', () => {
  let mounted: Mounted | undefined;
  afterEach(() => mounted?.unmount());

  function harpoonFacts(channel: ChannelStatusEntry): [string, string][] {
    const health = { ...HEALTH, status: { ...HEALTH.status, channels: [...HEALTH.status!.channels, channel] } } as HealthView;
    mounted = mount(h(Health, { health }));
    const lists = mounted.root.querySelectorAll('dl.facts').map(facts);
    const found = lists.find((f) => f.some(([k, v]) => k === 'Channel' && v === 'harpoon'));
    assert.ok(found, 'a Harpoon channel card');
    return found;
  }

  const base: ChannelStatusEntry = {
    channel: 'harpoon',
    kind: 'harpoon',
    state: 'ready',
    restarts: 0,
    inFlight: 0,
    targets: 2,
    harpoonTargets: [
      { label: 'api', category: 'config', source: 'config' },
      { label: 'oauth-token-endpoint-0', category: 'oauth', source: 'oauth' },
    ],
    harpoonCalls: [
      { at: 1, label: 'api', method: 'GET', status: 200, latencyMs: 12, responseBytes: 42 },
      { at: 2, label: 'api', method: 'GET', status: 0, latencyMs: 1, responseBytes: 0, error: 'redirect blocked: the URL leaves the target\'s host and port; the redirect was not followed' },
    ],
  };

  it('shows the targets and the recent calls, newest first, without bodies when none were captured', () => {
    const shown = Object.fromEntries(harpoonFacts(base));
    assert.equal(shown.Transport, 'Harpoon (built-in constrained HTTP client)');
    assert.equal(shown.Targets, 'api (config), oauth-token-endpoint-0 (oauth)');
    assert.match(shown['Recent calls']!, /^GET api → redirect blocked: .* · 1 ms · 0 BGET api → 200 · 12 ms · 42 B$/);
    assert.equal(mounted!.root.querySelectorAll('pre.payload').length, 0);
  });

  it('shows captured bodies as the engine redacted them', () => {
    harpoonFacts({ ...base, harpoonCalls: [{ at: 3, label: 'api', method: 'POST', status: 200, latencyMs: 5, responseBytes: 30, requestBody: '{"q":1}', responseBody: '{"access_token":"[REDACTED]"}' }] });
    assert.deepEqual(
      mounted!.root.querySelectorAll('pre.payload').map((p) => p.textContent),
      ['{"q":1}', '{"access_token":"[REDACTED]"}'],
    );
  });
});
