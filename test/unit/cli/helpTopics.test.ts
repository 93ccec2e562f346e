import { strict as assert } from 'node:assert';
import { HELP_TOPICS } from '../../../src/cli/helpTopics';
import { COMMANDS, parseCli } from '../../../src/cli/options';
import { SAMPLES } from '../../../src/cli/samples';

const PROFILES_SUBCOMMANDS = ['list', 'show', 'add', 'edit', 'samples'];

describe('mcp-tunnel help topics', () => {
  for (const [topic, text] of Object.entries(HELP_TOPICS)) {
    it(`"${topic}" names only commands, subcommands, flags and samples that exist`, () => {
      for (const [, command] of text.matchAll(/mcp-tunnel ([a-z-]+)/g)) assert.ok((COMMANDS as readonly string[]).includes(command), `command ${command}`);
      for (const [, sub] of text.matchAll(/mcp-tunnel profiles ([a-z]+)/g)) assert.ok(PROFILES_SUBCOMMANDS.includes(sub), `profiles ${sub}`);
      for (const [, sub] of text.matchAll(/mcp-tunnel profiles samples ([a-z]+)/g)) assert.ok(['list', 'show'].includes(sub), `samples ${sub}`);
      for (const [, name] of text.matchAll(/--sample ([a-z_-]+)/g)) assert.ok(SAMPLES.some((s) => s.name === name), `sample ${name}`);
      for (const [, flag] of text.matchAll(/(?<![\w-])--([a-z](?:[a-z0-9.-]*[a-z0-9])?)/g)) {
        assert.doesNotThrow(
          () => {
            try {
              parseCli([`--${flag}`]);
            } catch (err) {
              if (/Unknown option/.test((err as Error).message)) throw err;
            }
          },
          `flag --${flag}`,
        );
      }
    });

    it(`"${topic}" fits a terminal: lines of at most 100 characters, and short`, () => {
      for (const line of text.split('\n')) assert.ok(line.length <= 100, line);
      assert.ok(text.split('\n').length <= 60);
    });
  }
});
