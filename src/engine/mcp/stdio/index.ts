/**
 * The stdio MCP channel, imported as `mcp/stdio` by the engine, the tests and
 * the benchmarks. Its parts live beside this file; outside the folder only the
 * channel and its options are meant for use, and the parts of one shared
 * session that the in-process transport channel reuses.
 */
export { StdioChannel } from './stdioChannel';
export { SESSION_DEFAULTS, StdioSessionPool, type SessionPoolOptions } from './sessionPool';
export { STDIO_DEFAULTS, type StdioChannelOptions } from './options';
export { IdMux, type Note, type Obj, type Pending, type Req } from './ids';
export { SharedSession } from './session';
