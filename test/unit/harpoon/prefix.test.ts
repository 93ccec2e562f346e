import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { checkWithinTarget, pathWithin, resolveTargetPath } from '../../../src/engine/harpoon/prefix';

const TARGET = 'https://api.internal.example:8443/v1/users';

/** Path pieces an attacker would mix: plain names, dots, encodings, separators. */
const piece = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '%2E%2e', '.%2e', '%2e.', '%2e', '%2f', '%2F', '%5c', '%5C', '%252e%252e', '%252f', '\\', '..\\', '%00', '//', 'v1', 'users', 'USERS', 'V1', 'x', '?a=1', '#frag', '@evil', ':9000'),
  fc.stringMatching(/^[a-zA-Z0-9._~-]{1,8}$/),
);
const attackPath = fc.array(fc.tuple(piece, fc.constantFrom('/', '', '/')), { minLength: 1, maxLength: 8 }).map((parts) => parts.map(([p, sep]) => p + sep).join(''));

describe('Harpoon URL prefix', () => {
  it('never lets a generated path leave the target prefix, whatever it contains', () => {
    fc.assert(
      fc.property(attackPath, (path) => {
        const verdict = resolveTargetPath(TARGET, path);
        if (!verdict.ok) return true;
        const url = verdict.url;
        assert.equal(url.protocol, 'https:');
        assert.equal(url.hostname, 'api.internal.example');
        assert.equal(url.port, '8443');
        assert.equal(url.username + url.password, '');
        assert.ok(pathWithin('/v1/users', url.pathname), `escaped: ${path} -> ${url.pathname}`);
        assert.ok(!/%(2e|2f|5c|25)/i.test(url.pathname) && !url.pathname.includes('\\'), `dangerous escape kept: ${url.pathname}`);
        assert.ok(!url.pathname.split('/').some((s) => s === '..' || s === '.'), `dot segment kept: ${url.pathname}`);
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('never lets a generated redirect Location leave the origin or prefix', () => {
    const location = fc.oneof(
      attackPath,
      attackPath.map((p) => `/${p}`),
      attackPath.map((p) => `/v1/users/${p}`),
      fc.tuple(fc.constantFrom('https://api.internal.example:8443', 'https://API.internal.example:8443', 'http://api.internal.example:8443', 'https://api.internal.example', 'https://api.internal.example:8444', 'https://user:pw@api.internal.example:8443', 'https://evil.example', '//evil.example', 'https://api.internal.example.evil:8443', 'https://api.internal.example:8443@evil.example'), attackPath).map(([o, p]) => `${o}/${p}`),
    );
    fc.assert(
      fc.property(location, (loc) => {
        const verdict = checkWithinTarget(TARGET, loc, `${TARGET}/42`);
        if (!verdict.ok) return true;
        assert.equal(verdict.url.origin, 'https://api.internal.example:8443', `left origin: ${loc}`);
        assert.ok(pathWithin('/v1/users', verdict.url.pathname), `left prefix: ${loc} -> ${verdict.url.pathname}`);
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('admits paths below the target and the target itself', () => {
    assert.equal((resolveTargetPath(TARGET, '42') as { url: URL }).url.href, `${TARGET}/42`);
    assert.equal((resolveTargetPath(TARGET, '/42/posts?page=2') as { url: URL }).url.href, `${TARGET}/42/posts?page=2`);
    assert.equal((resolveTargetPath(TARGET, undefined) as { url: URL }).url.href, TARGET);
  });

  const refusals: Array<[string, string]> = [
    ['../admin', '".." segment'],
    ['%2e%2e/admin', 'encoded dot'],
    ['.%2E/admin', 'mixed-case encoded dot'],
    ['a%2fb', 'encoded slash'],
    ['a%5cb', 'encoded backslash'],
    ['%252e%252e/admin', 'double encoding'],
    ['a\\..\\b', 'backslashes'],
    ['https://evil.example/', 'an absolute URL'],
    ['//evil.example/x', 'a network-path reference'],
    ['x#frag', 'a fragment'],
  ];
  for (const [path, what] of refusals) {
    it(`refuses a path with ${what} (${path})`, () => assert.equal(resolveTargetPath(TARGET, path).ok, false));
  }

  it('refuses look-alike prefixes, case changes, port changes and user info', () => {
    assert.equal(checkWithinTarget(TARGET, 'https://api.internal.example:8443/v1/usersx').ok, false);
    assert.equal(checkWithinTarget(TARGET, 'https://api.internal.example:8443/V1/users').ok, false);
    assert.equal(checkWithinTarget(TARGET, 'https://api.internal.example:9443/v1/users').ok, false);
    assert.equal(checkWithinTarget(TARGET, 'https://api.internal.example/v1/users').ok, false);
    assert.equal(checkWithinTarget(TARGET, 'https://me@api.internal.example:8443/v1/users').ok, false);
    assert.equal(checkWithinTarget(TARGET, 'http://api.internal.example:8443/v1/users').ok, false);
    // Host case is not a trick: hosts are case-insensitive.
    assert.equal(checkWithinTarget(TARGET, 'https://API.Internal.Example:8443/v1/users/1').ok, true);
  });
});
