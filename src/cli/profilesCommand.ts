/**
 * `mcp-tunnel profiles list | show NAME | add NAME | edit NAME | samples list
 * | samples show NAME`: the YAML profiles in the profile directory
 * (`$XDG_CONFIG_HOME/tunnel-client/`, else `~/.config/tunnel-client/`, or
 * --profile-dir), as the reference daemon's `profiles` command manages them.
 */
import { promises as fs } from 'node:fs';
import { ConfigError } from '../profiles/errors';
import { checkProfileName, profileDirectory } from '../profiles/yaml';
import { nextSteps, renderProfileYaml, runInit, validateProfileText, writeProfileFile } from './init';
import type { CliValues } from './options';
import { UsageError } from './output';
import { editProfile } from './profileEdit';
import { existingProfileFile, listProfiles, profileDirectories } from './profileFiles';
import { redactProfileText } from './profileRedact';
import { resolveSample, sampleInfo, SAMPLES } from './samples';

const USAGE = 'use profiles list | show NAME | add NAME --sample S | add NAME --from-file FILE | edit NAME | samples list | samples show NAME';

async function list(values: CliValues): Promise<number> {
  const dirs = profileDirectories(values);
  const entries = await listProfiles(dirs);
  if (values.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
  else if (entries.length === 0) process.stdout.write(`No profiles found in ${dirs.join(' or ')}\nCreate one with: mcp-tunnel profiles add NAME --sample stdio-local\n`);
  else process.stdout.write(entries.map((e) => `${e.name}\t${e.path}\n`).join(''));
  return 0;
}

async function show(name: string, values: CliValues): Promise<number> {
  const file = await existingProfileFile(name, values);
  const { text, hidden } = redactProfileText(await fs.readFile(file, 'utf8'));
  const note = hidden > 0 ? `# ${hidden} secret value${hidden === 1 ? '' : 's'} written into the file itself hidden; keep secrets in env:NAME or file:/path references\n` : '';
  process.stdout.write(`# profile "${name}": ${file}\n${note}${text}${text.endsWith('\n') ? '' : '\n'}`);
  return 0;
}

async function add(name: string, values: CliValues): Promise<number> {
  checkProfileName(name, 'profile name');
  const fromFile = values['from-file'];
  if ((fromFile === undefined) === (values.sample === undefined)) throw new UsageError(`profiles add ${name} needs exactly one of --sample NAME or --from-file FILE`);
  const dir = values['profile-dir'] ?? values.dir;
  let result: { file: string; overwritten: boolean };
  if (fromFile !== undefined) {
    if (values['tunnel-id'] !== undefined || values['mcp-command'] !== undefined || values['mcp-server-url'] !== undefined) {
      throw new UsageError('--tunnel-id, --mcp-command and --mcp-server-url fill in a sample; with --from-file the file is copied as it is');
    }
    let content: string;
    try {
      content = await fs.readFile(fromFile, 'utf8');
    } catch (err) {
      throw new ConfigError('--from-file', `cannot read ${fromFile}: ${(err as Error).message}`, 'Pass the path of an existing YAML profile');
    }
    const target = dir ?? profileDirectory(process.env);
    validateProfileText(content, fromFile, name);
    result = await writeProfileFile(target, name, content, values.force);
  } else {
    result = await runInit({
      sample: resolveSample(values.sample, 'profiles add'),
      profile: name,
      dir,
      force: values.force,
      tunnelId: values['tunnel-id'],
      mcpCommand: values['mcp-command'],
      mcpServerUrl: values['mcp-server-url'],
    });
  }
  process.stdout.write(`${result.overwritten ? 'Replaced' : 'Added'} profile ${name} at ${result.file}\n` + nextSteps(name, result.file, dir !== undefined));
  return 0;
}

function samplesList(): number {
  process.stdout.write(SAMPLES.map((s) => `${s.name}\t${s.summary}\n`).join(''));
  return 0;
}

function samplesShow(name: string): number {
  const info = sampleInfo(resolveSample(name, 'profiles samples show'));
  const lines = [
    `Sample: ${info.name}`,
    `Summary: ${info.summary}`,
    `Use when: ${info.useWhen}`,
    'Inputs:',
    ...info.inputs.map((i) => `  - ${i}`),
    'Notes:',
    ...info.notes.map((n) => `  - ${n}`),
    `Write it: mcp-tunnel profiles add NAME --sample ${info.name}   (or: mcp-tunnel init --sample ${info.name} --profile NAME)`,
    '',
    renderProfileYaml({ sample: info.name, profile: info.name }),
  ];
  process.stdout.write(lines.join('\n'));
  return 0;
}

function needName(args: string[], what: string): string {
  if (args.length === 0) throw new UsageError(`${what} needs a NAME: ${USAGE}`);
  if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}" after ${what} ${args[0]}`);
  return args[0];
}

function noMore(args: string[], what: string): void {
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}" after ${what}`);
}

/** `args`: the words after `profiles`. */
export async function runProfilesCommand(args: string[], values: CliValues): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list':
      noMore(rest, 'profiles list');
      return list(values);
    case 'show':
      return show(needName(rest, 'profiles show'), values);
    case 'add':
      return add(needName(rest, 'profiles add'), values);
    case 'edit':
      return editProfile(needName(rest, 'profiles edit'), values);
    case 'samples': {
      const [what, ...names] = rest;
      if (what === 'list') {
        noMore(names, 'profiles samples list');
        return samplesList();
      }
      if (what === 'show') return samplesShow(needName(names, 'profiles samples show'));
      throw new UsageError(`profiles samples needs list or show NAME${what === undefined ? '' : `, not "${what}"`}`);
    }
    default:
      throw new UsageError(sub === undefined ? `profiles needs a subcommand: ${USAGE}` : `unknown profiles subcommand "${sub}": ${USAGE}`);
  }
}
