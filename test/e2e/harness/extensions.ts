/**
 * Throwaway extensions for the tests, packed with @vscode/vsce: helpers a
 * test installs beside the product, never shipped inside its .vsix.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeJson } from './util';

/**
 * Writes a throwaway extension (manifest + files) into a temp folder and packs
 * it with @vscode/vsce. Returns the .vsix path. For test-only helper
 * extensions; never ship one inside the product's .vsix.
 */
export async function packTestExtension(manifest: Record<string, unknown>, files: Record<string, string>): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-test-extension-'));
  writeJson(path.join(dir, 'package.json'), manifest);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return packVsix(dir, path.join(dir, `${String(manifest.name)}.vsix`));
}

/** Packs the extension in `dir` into `outFile` with @vscode/vsce (no dependency bundling, no prompts). */
export async function packVsix(dir: string, outFile: string): Promise<string> {
  // Loaded lazily: only tests that pack need it.
  const vsce = require('@vscode/vsce') as {
    createVSIX(options: Record<string, unknown>): Promise<unknown>;
  };
  // vsce reports on the console; keep that out of the test output unless packing fails.
  const chatter: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = (...args: unknown[]) => void chatter.push(args.join(' '));
  try {
    await vsce.createVSIX({
      cwd: dir,
      packagePath: outFile,
      dependencies: false,
      allowMissingRepository: true,
      skipLicense: true,
    });
  } catch (err) {
    throw new Error(`vsce could not pack ${dir}: ${(err as Error).message}\n${chatter.join('\n')}`);
  } finally {
    Object.assign(console, saved);
  }
  return outFile;
}
