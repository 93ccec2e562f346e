/** Tunnel profiles: one schema, the sources that map onto it, and resolution into an EngineConfig. */
export { parseDuration, DURATION_PATTERN } from './duration';
export { ENV_VARS, readEnvProfile, type EnvLayer } from './env';
export { ConfigError, formatConfigError, formatPath, formatSnakePath, fromZod, type ConfigSource, type ConfigSourceKind } from './errors';
export {
  FLAG_FIELDS,
  flagName,
  loadProfile,
  mergeProfileSources,
  type FieldSource,
  type LoadedProfile,
  type LoadProfileOptions,
  type MergedProfile,
  type ProfileFlags,
} from './load';
export { ADMIN_KEY_PREFIX, apiKeyProblem, controlPlaneUrl, readPemFile, resolveProfile, SET_API_KEY_HINT, type PemKind, type ResolveOptions } from './resolve';
export {
  isLoopbackHost,
  isSecretReference,
  parseListenAddr,
  profileJsonSchema,
  TunnelProfileSchema,
  type McpServerProfile,
  type TunnelProfile,
  type TunnelProfileInput,
} from './schema';
export { describeSecretReference, expandHome, resolveSecret, type Env, type FileAccess, type SecretOptions, type SecretStore } from './secrets';
export {
  CONFIG_VERSION,
  checkProfileName,
  findProfileFile,
  parseYamlProfile,
  profileDirectory,
  profileFileCandidates,
  readYamlProfile,
  type RawProfile,
  type YamlProfileLayer,
} from './yaml';
