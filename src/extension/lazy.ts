/**
 * Modules loaded on first use. The profile schema (zod), the YAML and TOML
 * readers, the doctor and the zip writer take tens of milliseconds to read
 * and evaluate, so activation does not load them: the build puts every module
 * required here into dist/extension-deferred.js (see esbuild.mjs), which Node
 * reads the first time one of them is required.
 */
export const lazy = {
  schema: () => require('../profiles/schema') as typeof import('../profiles/schema'),
  errors: () => require('../profiles/errors') as typeof import('../profiles/errors'),
  doctor: () => require('../doctor') as typeof import('../doctor'),
  resolveConfig: () => require('./resolveConfig') as typeof import('./resolveConfig'),
  addProfile: () => require('./addProfile') as typeof import('./addProfile'),
  profileCommands: () => require('./profileCommands') as typeof import('./profileCommands'),
  supportBundle: () => require('../engine/supportBundle') as typeof import('../engine/supportBundle'),
};
