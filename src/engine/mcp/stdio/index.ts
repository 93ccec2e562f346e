/**
 * The stdio MCP channel, imported as `mcp/stdio` by the engine, the tests and
 * the benchmarks. Its parts live beside this file; only the channel and its
 * options are meant for use outside the folder.
 */
export { StdioChannel } from './stdioChannel';
export { SESSION_DEFAULTS, StdioSessionPool, type SessionPoolOptions } from './sessionPool';
export { STDIO_DEFAULTS, type StdioChannelOptions } from './options';
