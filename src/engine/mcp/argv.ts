/**
 * Splits a configured MCP command line ("python /srv/server.py --port 3")
 * into argv without a shell: quoting follows POSIX sh, but nothing is
 * expanded and shell operators (`; | & > < $ ( )`) are ordinary text, so a
 * profile can never smuggle a second command into the spawn.
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
/** Characters a backslash escapes inside double quotes, as in sh. */
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`']);

export function splitCommand(command: string): string[] {
  const args: string[] = [];
  let current = '';
  // True once the current word has begun, so `''` yields an empty argument.
  let inWord = false;
  let i = 0;
  const n = command.length;

  while (i < n) {
    const ch = command[i];
    if (WHITESPACE.has(ch)) {
      if (inWord) {
        args.push(current);
        current = '';
        inWord = false;
      }
      i++;
    } else if (ch === '\\') {
      if (i + 1 >= n) {
        throw new Error('MCP command ends with a lone backslash: remove it, or write \\\\ for a literal backslash');
      }
      const next = command[i + 1];
      // Backslash-newline is a line continuation, as in sh: it neither adds
      // text nor starts a word.
      if (next !== '\n') {
        inWord = true;
        current += next;
      }
      i += 2;
    } else if (ch === "'") {
      inWord = true;
      const end = command.indexOf("'", i + 1);
      if (end === -1) {
        throw new Error(
          `MCP command has an unterminated single quote (at character ${i + 1}): add the closing ' or escape it as \\'`,
        );
      }
      current += command.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      inWord = true;
      const open = i;
      i++;
      let closed = false;
      while (i < n) {
        const c = command[i];
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < n) {
          const next = command[i + 1];
          if (DOUBLE_QUOTE_ESCAPES.has(next)) {
            current += next;
            i += 2;
            continue;
          }
          if (next === '\n') {
            i += 2;
            continue;
          }
        }
        current += c;
        i++;
      }
      if (!closed) {
        throw new Error(
          `MCP command has an unterminated double quote (at character ${open + 1}): add the closing " or escape it as \\"`,
        );
      }
    } else {
      inWord = true;
      current += ch;
      i++;
    }
  }
  if (inWord) args.push(current);
  if (args.length === 0) {
    throw new Error('MCP command is empty: set it to the server executable and its arguments, e.g. "npx -y @modelcontextprotocol/server-everything"');
  }
  return args;
}
