import { version } from '../package.json';

/** Stable implementation name sent as X-Tunnel-Client-Name. */
export const CLIENT_NAME = 'mcp-tunnel-vscode';
export const CLIENT_VERSION: string = version;
