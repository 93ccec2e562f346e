/**
 * The dashboard's Health tab as the user reads it: the Health component
 * rendered with preact into a minimal DOM (test/helpers/dom.ts), and the
 * text, lists and attributes of its OAuth card checked for each state of
 * OAuth discovery.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { h } from 'preact';
import { Health } from '../../../webview/dashboard/Health';
import { facts, mount, text, type FakeElement, type Mounted } from '../../helpers/dom';
import { HEALTH, httpHealth, OAUTH_FAILED, OAUTH_FOUND, OAUTH_NOT_ADVERTISED, OAUTH_PENDING } from './fixtures';
import type { HealthView } from '../../../webview/protocol';

describe('dashboard Health tab: OAuth discovery', () => {
  let mounted: Mounted | undefined;
  afterEach(() => {
    mounted?.unmount();
    mounted = undefined;
  });

  function show(health: HealthView): FakeElement {
    mounted = mount(h(Health, { health }));
    return mounted.root;
  }

  function card(root: FakeElement): FakeElement {
    const section = root.querySelector('section[aria-labelledby="h-oauth"]');
    assert.ok(section, 'an OAuth card');
    assert.equal(text(section.querySelector('h2')), 'OAuth');
    return section;
  }

  const headline = (section: FakeElement) => section.querySelector('p.headline')!;
  /** The card's own facts, not those inside the collapsed URL list. */
  const cardFacts = (section: FakeElement) => facts(section.children.find((el) => el.localName === 'dl') ?? null);
  const candidates = (section: FakeElement) => section.querySelectorAll('ol.candidates li');

  it('found: where the metadata is, the resource, the authorization server, the token and registration endpoints, and every URL tried', () => {
    const section = card(show(httpHealth(OAUTH_FOUND)));
    assert.equal(text(headline(section)), 'OAuth: metadata found at https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
    assert.ok(headline(section).classList.includes('tone-ok'));
    assert.ok(headline(section).querySelector('.codicon-pass-filled'));
    const shown = cardFacts(section);
    assert.deepEqual(
      shown.slice(0, 4),
      [
        ['Resource', 'https://mcp.example.com/mcp'],
        ['Authorization server', 'https://auth.example.com/realms/tools'],
        ['Token endpoint', 'https://auth.example.com/realms/tools/protocol/openid-connect/token'],
        ['Registration endpoint', 'https://auth.example.com/realms/tools/clients-registrations/openid-connect'],
      ],
    );
    assert.equal(shown[4]![0], 'Finished');
    assert.match(shown[4]![1], /ago \(\d\d:\d\d:\d\d\.\d{3}\)$/);

    const details = section.querySelector('details.oauth-urls')!;
    assert.equal(text(details.querySelector('summary')), 'Discovery URLs (8)');
    assert.equal(details.hasAttribute('open'), false, 'collapsed while nothing is wrong');
    const [selected, untried] = candidates(section);
    assert.equal(text(selected), 'HTTP 200 selected https://mcp.example.com/.well-known/oauth-protected-resource/mcp WWW-Authenticate challenge');
    assert.equal(selected!.getAttribute('aria-current'), 'true');
    assert.ok(selected!.querySelector('.codicon-check'));
    assert.equal(text(untried), 'not tried https://mcp.example.com/.well-known/oauth-protected-resource root well-known URL');
    assert.equal(untried!.getAttribute('aria-current'), null);
    const learned = facts(details.querySelector('dl.facts'));
    assert.deepEqual(
      learned.map(([label]) => label),
      ['Resource', 'Authorization server', 'Authorization server metadata', 'Authorization endpoint', 'Token endpoint', 'Registration endpoint'],
    );
  });

  it('not advertised: a plain MCP server, what discovery saw, and the 404s of its candidates', () => {
    const section = card(show(httpHealth(OAUTH_NOT_ADVERTISED)));
    assert.equal(text(headline(section)), 'OAuth: not advertised (plain MCP server)');
    assert.ok(headline(section).classList.includes('tone-idle'));
    assert.ok(headline(section).querySelector('.codicon-info'));
    assert.equal(text(section.querySelector('p.muted')), 'every metadata candidate answered 404');
    assert.deepEqual(
      cardFacts(section).map(([label]) => label),
      ['Finished'],
    );
    assert.deepEqual(
      candidates(section).map(text),
      [
        'HTTP 404 http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp path-based well-known URL',
        'HTTP 404 http://127.0.0.1:3000/.well-known/oauth-protected-resource root well-known URL',
      ],
    );
    assert.equal(section.querySelectorAll('.error-text').length, 0, 'an error that only repeats the status is not shown twice');
    assert.equal(section.querySelectorAll('[aria-current]').length, 0, 'no candidate was selected');
  });

  it('pending: discovery still running, no finish time, the candidate not tried yet', () => {
    const section = card(show(httpHealth(OAUTH_PENDING, { state: 'starting', tone: 'busy', reason: 'oauth discovery pending' })));
    assert.equal(text(headline(section)), 'OAuth discovery pending…');
    assert.ok(headline(section).classList.includes('tone-busy'));
    assert.equal(section.children.filter((el) => el.localName === 'dl').length, 0, 'no empty list of facts');
    assert.deepEqual(candidates(section).map(text), ['not tried https://mcp.example.com/.well-known/oauth-protected-resource/mcp path-based well-known URL']);
  });

  it('failed: the error in the warning tone, the URL list open on the candidate that failed', () => {
    const section = card(show(httpHealth(OAUTH_FAILED, { state: 'degraded', tone: 'warn', reason: 'oauth discovery failed' })));
    assert.equal(text(headline(section)), 'OAuth discovery failed: https://mcp.example.com/.well-known/oauth-protected-resource/mcp: HTTP 200 but the metadata is not JSON');
    assert.ok(headline(section).classList.includes('tone-warn'));
    assert.ok(headline(section).querySelector('.codicon-warning'));
    assert.equal(section.querySelector('details.oauth-urls')!.hasAttribute('open'), true);
    assert.deepEqual(candidates(section).map(text), [
      'HTTP 200 https://mcp.example.com/.well-known/oauth-protected-resource/mcp path-based well-known URL the metadata is not JSON',
      'not tried https://mcp.example.com/.well-known/oauth-protected-resource root well-known URL',
    ]);
    assert.equal(text(candidates(section)[0]!.querySelector('.error-text')), 'the metadata is not JSON');
    assert.equal(section.querySelectorAll('[aria-current]').length, 0, 'a candidate that failed is not shown as selected');
  });

  it('no OAuth card when the engine reports no discovery (a stdio server), nor before the first report', () => {
    assert.equal(show(HEALTH).querySelector('section[aria-labelledby="h-oauth"]'), null);
    mounted!.unmount();
    assert.equal(show(httpHealth(undefined)).querySelector('section[aria-labelledby="h-oauth"]'), null);
    mounted!.unmount();
    assert.equal(show({ ...HEALTH, status: undefined }).querySelector('section[aria-labelledby="h-oauth"]'), null);
  });

  it('turns from pending to found in place when the next status arrives', () => {
    const root = show(httpHealth(OAUTH_PENDING));
    assert.equal(text(headline(card(root))), 'OAuth discovery pending…');
    mounted!.rerender(h(Health, { health: httpHealth(OAUTH_FOUND) }));
    assert.equal(text(headline(card(root))), 'OAuth: metadata found at https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
    assert.equal(root.querySelectorAll('section[aria-labelledby="h-oauth"]').length, 1);
  });

  it('holds at narrow widths: every URL is a wrapping code element with the full URL as its title', () => {
    const section = card(show(httpHealth(OAUTH_FOUND)));
    const urls = section.querySelectorAll('code.url');
    // The headline's, four facts, two candidates and six learned URLs.
    assert.equal(urls.length, 13);
    for (const el of urls) assert.equal(el.getAttribute('title'), text(el));
    const css = readFileSync(join(__dirname, '../../../webview/dashboard/dashboard.css'), 'utf8');
    assert.match(css, /\.oauth \{[^}]*overflow-wrap: anywhere;/, 'a URL inside an error wraps too');
    assert.match(css, /\.oauth code\.url \{[^}]*overflow-wrap: anywhere;/);
    assert.ok(section.classList.includes('wide'), 'a full row of the grid');
    assert.match(css, /\.cards \{[^}]*minmax\(min\(300px, 100%\), 1fr\)/, 'cards never wider than the panel');
  });
});
