/**
 * Messages name commands exactly as the palette shows them: every
 * "MCP Tunnel: Title" in the source, the settings descriptions and the
 * walkthrough, and every button or quoted label that reads like a command
 * ("Set API Key…", "Show Logs"), is a title of a contributed command.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string; title: string; category?: string }[] };
};
const TITLES = new Set(manifest.contributes.commands.map((c) => c.title));

/** Labels of actions that are not our commands: VS Code's own, or a step inside one of our flows. */
const NOT_OUR_COMMANDS = new Set(['Manage Workspace Trust', 'Copy MCP URL', 'Copy Token']);

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(ext))
    .map((d) => path.join(d.parentPath, d.name));
}

interface Mention {
  where: string;
  title: string;
}

/** "MCP Tunnel: Title" in quotes (escaped in JSON), bold or code; not a snippet's label, not a template literal. */
function categoryMentions(file: string): Mention[] {
  const text = readFileSync(file, 'utf8');
  const out: Mention[] = [];
  for (const m of text.matchAll(/(?<!"label": |label: )(?:\\?"|'|\*\*|`)MCP Tunnel: ([A-Z][^"'*`\\\n$]*?)(?:\\?"|'|\*\*|`)/g)) {
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ where: `${path.relative(ROOT, file)}:${line}`, title: m[1]! });
  }
  return out;
}

/** Quoted labels that read like one of our commands: a command verb, then Title Case words, maybe "…". */
const COMMAND_LIKE = /^(Start|Stop|Restart|Open|Show|Run|Set|Clear|Copy|Add|Edit|Import|Export|Remove|Rename|Duplicate)( (?:[A-Z0-9][\w./-]*|from|as|of|to))+…?$/;

function labelMentions(file: string): Mention[] {
  const text = readFileSync(file, 'utf8');
  const out: Mention[] = [];
  for (const m of text.matchAll(/'([^'\n]{3,40})'/g)) {
    const label = m[1]!.replace(/^\$\([\w~-]+\) /, '');
    if (!COMMAND_LIKE.test(label) || NOT_OUR_COMMANDS.has(label)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ where: `${path.relative(ROOT, file)}:${line}`, title: label });
  }
  return out;
}

describe('command names in messages', () => {
  const sources = files(path.join(ROOT, 'src'), '.ts');
  const texts = [...sources, path.join(ROOT, 'package.json'), ...files(path.join(ROOT, 'media', 'walkthrough'), '.md')];

  it('finds the mentions it checks (the scan itself works)', () => {
    const found = texts.flatMap(categoryMentions).map((m) => m.title);
    assert.ok(found.includes('Add Profile…'), found.join(', '));
    const labels = files(path.join(ROOT, 'src', 'extension'), '.ts').flatMap(labelMentions).map((m) => m.title);
    assert.ok(labels.includes('Set API Key…') && labels.includes('Show Logs'), labels.join(', '));
  });

  it('every "MCP Tunnel: …" in source, settings and walkthrough is a command title as the palette shows it', () => {
    const wrong = texts.flatMap(categoryMentions).filter((m) => !TITLES.has(m.title));
    assert.deepEqual(wrong, [], `not a command title: ${wrong.map((m) => `${m.where} "${m.title}"`).join('; ')}`);
  });

  it('every button and quoted label of the extension that reads like a command is its exact title', () => {
    const wrong = files(path.join(ROOT, 'src', 'extension'), '.ts')
      .flatMap(labelMentions)
      .filter((m) => !TITLES.has(m.title));
    assert.deepEqual(wrong, [], `not a command title: ${wrong.map((m) => `${m.where} "${m.title}"`).join('; ')}`);
  });

  it('gives every command the one category "MCP Tunnel"', () => {
    const other = manifest.contributes.commands.filter((c) => c.category !== 'MCP Tunnel').map((c) => c.command);
    assert.deepEqual(other, []);
  });
});
