/**
 * Writes the settings schema generated from the profile schema into
 * package.json `contributes.configuration`; nothing else in the file changes.
 * `--check` only reports whether package.json is up to date (exit 1 if not).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { updateManifest } from '../src/profiles/settingsSchema';

const file = path.resolve(__dirname, '..', 'package.json');
// Read right before writing: other keys of package.json are edited by hand.
const current = readFileSync(file, 'utf8');
const next = updateManifest(current);

if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write('package.json contributes.configuration is out of date: run npm run gen:settings\n');
    process.exit(1);
  }
  process.stdout.write('package.json contributes.configuration is up to date\n');
} else if (next === current) {
  process.stdout.write('package.json contributes.configuration is already up to date\n');
} else {
  writeFileSync(file, next);
  process.stdout.write('wrote contributes.configuration to package.json\n');
}
