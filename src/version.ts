import { version } from '../package.json';

/** Stable implementation name sent as X-Tunnel-Client-Name. */
export const CLIENT_NAME = 'mcp-tunnel-vscode';
export const CLIENT_VERSION: string = version;

/** User-Agent of control-plane requests: product, version, and the runtime that sent them. */
export const USER_AGENT = `mcp-tunnel/${CLIENT_VERSION} (node ${process.version}; ${process.platform})`;
