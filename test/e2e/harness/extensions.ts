/**
 * The .vsix files the tests install: the product's, packed the way it ships,
 * and throwaway extensions packed with @vscode/vsce, helpers a test installs
 * beside the product and never ships inside its .vsix.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './codeServer';
import { writeJson } from './util';

/** Where `npm run package` writes the product's .vsix. */
export const PRODUCT_VSIX = path.join(REPO_ROOT, 'mcp-tunnel.vsix');

/**
 * Packs the product with `npm run package` (a production build), so a run
 * tests what ships; MCP_TUNNEL_E2E_SKIP_PACKAGE reuses a .vsix already there.
 */
export function packageProduct(): string {
  if (!(process.env.MCP_TUNNEL_E2E_SKIP_PACKAGE && fs.existsSync(PRODUCT_VSIX))) {
    execFileSync('npm', ['run', 'package', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  return PRODUCT_VSIX;
}

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
