/**
 * What the in-host suite needs before an editor can run it: the bundled suite
 * and a workspace whose `.vscode/settings.json` is the fixture's. runTest.ts
 * lays out a temporary workspace; run on its own (`tsx test/vscode/prepare.ts`)
 * it fills out/vscode-test/ for the "Extension tests" configuration of
 * .vscode/launch.json, which opens that same folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleSuite, REPO_ROOT } from './build';
import { WORKSPACE_SETTINGS } from './fixture';

export const OUT_DIR = path.join(REPO_ROOT, 'out', 'vscode-test');

/** Bundles the suite into out/vscode-test/suite.js and writes the workspace at `workspace`. */
export async function prepareInHostRun(workspace: string): Promise<{ suite: string; workspace: string }> {
  // Inside the extension's folder, so the suite shares the extension's `vscode` API object.
  const suite = await bundleSuite(path.join(OUT_DIR, 'suite.js'));
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), `${JSON.stringify(WORKSPACE_SETTINGS, null, 2)}\n`);
  return { suite, workspace };
}

if (require.main === module) {
  prepareInHostRun(path.join(OUT_DIR, 'workspace')).then(
    ({ suite, workspace }) => console.log(`in-host suite: ${path.relative(REPO_ROOT, suite)}, workspace: ${path.relative(REPO_ROOT, workspace)}`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
