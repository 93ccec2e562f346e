/**
 * A module the suite bundler writes (test/vscode/build.ts): `loadTests`
 * requires every suite/*.test.ts, which must happen after mocha has put
 * `describe` and `it` on the global object.
 */
declare module 'inhost:tests' {
  export function loadTests(): void;
}
