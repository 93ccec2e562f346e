/**
 * `dist/relay.js`: `mcp-tunnel relay` and nothing else, the process the editor
 * forks for a loopback tunnel. The .vsix ships this file instead of the whole
 * CLI; its flags, output and exit codes are those of `mcp-tunnel relay`.
 */
import { runRelayCommand } from './relayCommand';
import { frontDoorAuthOf, logLevelOf, parseCommandLine } from './options';
import { createCliLogger, exitWhenDone, UsageError } from './output';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (positionals.length !== 1 || positionals[0] !== 'relay') {
    throw new UsageError(`this file runs "relay" only, not "${positionals.join(' ')}": use dist/cli.js (mcp-tunnel) for the other commands`);
  }
  return runRelayCommand(values, createCliLogger(logLevelOf(values), values['log-format'] === 'json' ? 'json' : 'text'), frontDoorAuthOf(values));
}

exitWhenDone(main(process.argv.slice(2)));
