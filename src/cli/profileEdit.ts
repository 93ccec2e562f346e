/**
 * `mcp-tunnel profiles edit NAME`: opens the profile (or, for a new name, the
 * stdio-local sample) in $VISUAL, else $EDITOR, on a private copy beside it,
 * and saves the edit over the profile only once it validates, so a typo never
 * replaces a working profile.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { splitCommand } from '../engine/mcp/argv';
import { ConfigError, formatConfigError } from '../profiles/errors';
import { checkProfileName, profileDirectory } from '../profiles/yaml';
import { renderProfileYaml, validateProfileText } from './init';
import type { CliValues } from './options';
import { UsageError } from './output';
import { existingProfileFile } from './profileFiles';

function editorCommand(env: NodeJS.ProcessEnv): string[] {
  const editor = env.VISUAL?.trim() || env.EDITOR?.trim();
  const argv = editor ? splitCommand(editor) : [];
  if (argv.length === 0) throw new UsageError('profiles edit needs an editor: set VISUAL or EDITOR (for example EDITOR=nano, or VISUAL="code --wait")');
  return argv;
}

function runEditor(argv: string[], file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], [...argv.slice(1), file], { stdio: 'inherit' });
    child.on('error', (err) => reject(new ConfigError('VISUAL/EDITOR', `cannot start the editor "${argv[0]}": ${err.message}`, 'Set VISUAL or EDITOR to an installed editor')));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`the editor ${argv[0]} exited with ${signal ?? `code ${code}`}; the profile was not changed`));
    });
  });
}

/** The profile's file and its text; a profile that does not exist yet starts from a sample. */
async function original(name: string, values: CliValues): Promise<{ file: string; text: string }> {
  try {
    const file = await existingProfileFile(name, values);
    return { file, text: await fs.readFile(file, 'utf8') };
  } catch (err) {
    if (!(err instanceof ConfigError) || err.field !== 'profile') throw err;
    const dir = values['profile-dir'] !== undefined ? path.resolve(values['profile-dir']) : profileDirectory(process.env);
    return { file: path.join(dir, `${name}.yaml`), text: renderProfileYaml({ sample: 'stdio-local', profile: name }) };
  }
}

export async function editProfile(name: string, values: CliValues): Promise<number> {
  checkProfileName(name, 'profile name');
  const argv = editorCommand(process.env);
  const { file, text } = await original(name, values);
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const draft = path.join(dir, `.${name}.${randomBytes(4).toString('hex')}.yaml`);
  await fs.writeFile(draft, text, { mode: 0o600, flag: 'wx' });
  try {
    await runEditor(argv, draft);
    const edited = await fs.readFile(draft, 'utf8');
    try {
      validateProfileText(edited, file, name);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new ConfigError('profiles edit', `the edit does not validate, so ${file} was not changed.\n  ${formatConfigError(err)}\n`, `Run mcp-tunnel profiles edit ${name} again and fix it`);
    }
    await fs.chmod(draft, 0o600);
    await fs.rename(draft, file);
  } finally {
    await fs.rm(draft, { force: true });
  }
  process.stdout.write(`Saved profile ${name} at ${file}\n`);
  return 0;
}
