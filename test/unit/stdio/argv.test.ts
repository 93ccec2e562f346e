import { strict as assert } from 'node:assert';
import { splitCommand } from '../../../src/engine/mcp/argv';

describe('splitCommand: MCP command lines become argv without a shell', () => {
  it('splits on runs of spaces, tabs and newlines', () => {
    assert.deepEqual(splitCommand('  python\t/srv/server.py \n --port  3 '), ['python', '/srv/server.py', '--port', '3']);
  });

  it('keeps single-quoted text literal, backslashes and dollars included', () => {
    assert.deepEqual(splitCommand(`node 'my server.js' '$HOME\\n'`), ['node', 'my server.js', '$HOME\\n']);
  });

  it('unescapes only " \\ $ and backtick inside double quotes', () => {
    assert.deepEqual(splitCommand(String.raw`echo "a \"b\" \\ \$x \`y\` \n"`), ['echo', 'a "b" \\ $x `y` \\n']);
  });

  it('treats a backslash outside quotes as escaping the next character', () => {
    assert.deepEqual(splitCommand(String.raw`run my\ file \'q\' \\`), ['run', 'my file', "'q'", '\\']);
  });

  it('joins adjacent quoted and unquoted parts into one argument', () => {
    assert.deepEqual(splitCommand(`--name="a b"'c d'e`), ['--name=a bc de']);
  });

  it('keeps empty quoted arguments', () => {
    assert.deepEqual(splitCommand(`cmd '' ""`), ['cmd', '', '']);
  });

  it('leaves shell operators as plain arguments instead of running them', () => {
    assert.deepEqual(splitCommand('server; rm -rf / | cat && $(whoami) > /tmp/x < y &'), [
      'server;',
      'rm',
      '-rf',
      '/',
      '|',
      'cat',
      '&&',
      '$(whoami)',
      '>',
      '/tmp/x',
      '<',
      'y',
      '&',
    ]);
  });

  it('reads backslash-newline as a line continuation', () => {
    assert.deepEqual(splitCommand('npx -y \\\n @scope/server'), ['npx', '-y', '@scope/server']);
  });

  it('rejects an unterminated single quote and says how to fix it', () => {
    assert.throws(() => splitCommand(`node 'server.js`), /unterminated single quote.*closing '/);
  });

  it('rejects an unterminated double quote and says how to fix it', () => {
    assert.throws(() => splitCommand('node "server.js'), /unterminated double quote.*closing "/);
  });

  it('rejects a trailing lone backslash', () => {
    assert.throws(() => splitCommand('node server.js \\'), /lone backslash/);
  });

  it('rejects an empty or blank command and says what to set', () => {
    assert.throws(() => splitCommand(''), /MCP command is empty: set it/);
    assert.throws(() => splitCommand(' \t\n'), /MCP command is empty/);
  });
});
