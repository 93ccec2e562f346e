/**
 * MCP server definitions users already have, read into one shape
 * (`ImportedServer`) that maps onto a profile's `mcp.servers[]` entry:
 *   - VS Code's `.vscode/mcp.json` (`vscode.ts`)
 *   - Codex's `~/.codex/config.toml` (`codex.ts`)
 * One module per format; this file is the API the editor and the tests import.
 */
export type { ImportedServer } from './entries';
export { parseVsCodeMcpJson, type McpInput, type VsCodeMcpConfig } from './vscode';
export { parseCodexConfigToml } from './codex';
export { inputIds, substituteServer, substituteVariables, type VariableResolver } from './variables';
export { toProfileServer } from './profileServer';
export { resolveMcpServerReference, type McpReferenceResolver } from './mcpServerReference';
