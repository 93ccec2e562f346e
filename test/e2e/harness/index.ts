/**
 * Real-editor end-to-end tests: VS Code 1.100.3 served by code-server on
 * loopback, with extensions installed from .vsix files, driven through Debian
 * Chromium by playwright-core. `bash scripts/install-e2e.sh` installs both.
 *
 * One file per idea: codeServer (lifecycle), workbench (browser, startup,
 * screenshots), quickInput, dialogs, notifications, views (trees, webviews,
 * status bar), logs, processes, extensions (throwaway .vsix), util.
 * Everything a test starts is stopped by `stop()`/`close()`, including the
 * extension host and whatever it forked (workers, MCP servers).
 */
export * from './codeServer';
export * from './dialogs';
export * from './extensions';
export * from './logs';
export * from './notifications';
export { descendantPids, processesMatching } from './processes';
export * from './quickInput';
export * from './views';
export * from './workbench';
export { waitUntil } from './util';
