/**
 * The environment a stdio MCP server is started with: what a program needs
 * to run (PATH, home, locale, temp dirs, extra CAs), plus the variables the
 * profile configures. Everything else in the engine's environment, above all
 * CONTROL_PLANE_API_KEY and other credentials, stays behind.
 */

/** Inherited by name; on Windows names compare case-insensitively (`Path`). */
const INHERITED = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'TERM',
  'NODE_EXTRA_CA_CERTS',
  // Windows: without these many programs (and npx.cmd) fail to start.
  'SYSTEMROOT',
  'SYSTEMDRIVE',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'APPDATA',
  'LOCALAPPDATA',
  'USERPROFILE',
  'HOMEDRIVE',
  'HOMEPATH',
]);

function isInherited(name: string, windows: boolean): boolean {
  const key = windows ? name.toUpperCase() : name;
  return INHERITED.has(key) || key.startsWith('LC_');
}

/**
 * Builds the child's environment. Configured variables win over inherited
 * ones; they are the operator's explicit choice and are passed as given.
 */
export function buildChildEnv(
  configured: Record<string, string>,
  parentEnv: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
): Record<string, string> {
  const windows = platform === 'win32';
  const env: Record<string, string> = {};
  for (const name of Object.keys(parentEnv)) {
    const value = parentEnv[name];
    if (value !== undefined && isInherited(name, windows)) env[name] = value;
  }
  for (const name of Object.keys(configured)) {
    const value = configured[name];
    if (typeof value !== 'string') continue;
    if (windows) {
      // Replace an inherited spelling variant (Path vs PATH) instead of keeping both.
      const upper = name.toUpperCase();
      for (const existing of Object.keys(env)) {
        if (existing !== name && existing.toUpperCase() === upper) delete env[existing];
      }
    }
    env[name] = value;
  }
  return env;
}
