/**
 * Modules loaded on first use. The profile schema (zod), the YAML and TOML
 * readers and the doctor take tens of milliseconds to evaluate, so activation
 * does not load them; the bundler evaluates a required module when it is
 * first required.
 */
export const lazy = {
  schema: () => require('../profiles/schema') as typeof import('../profiles/schema'),
  errors: () => require('../profiles/errors') as typeof import('../profiles/errors'),
  doctor: () => require('../doctor') as typeof import('../doctor'),
  resolveConfig: () => require('./resolveConfig') as typeof import('./resolveConfig'),
  addProfile: () => require('./addProfile') as typeof import('./addProfile'),
  profileCommands: () => require('./profileCommands') as typeof import('./profileCommands'),
};
