/**
 * Killing a worker with everything it started. The engine runs each stdio MCP
 * server in its own process group (so `npx`/`uvx` grandchildren can be reached),
 * which means killing the worker's group misses them: the tree has to be read
 * before anything dies. The walk and the signals are the engine's own
 * (`src/engine/process/`), so there is one reading of the process table; this
 * is the editor's name for them. No `vscode` import: the supervisor is
 * unit-tested under plain node.
 */
export { descendantsOf, processStartTime } from '../engine/process/table';
export { killGroupIfOurs, killProcessTree } from '../engine/process/signals';
