/**
 * Runs the in-host suite with mocha, inside the extension host that loaded
 * this bundle. Two callers: @vscode/test-electron calls `run` (its
 * extensionTestsPath contract: reject on failure), and the test-only
 * extension of the code-server run calls `runSuite` for the per-test results.
 */
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { loadTests } from 'inhost:tests';
import type { InHostResults, InHostTestResult } from '../fixture';

export function runSuite(): Promise<InHostResults> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'in-host suite', mocha);
  loadTests();
  const tests: InHostTestResult[] = [];
  return new Promise((resolve) => {
    const runner = mocha.run(() =>
      resolve({
        passed: tests.filter((t) => t.state === 'passed').length,
        failed: tests.filter((t) => t.state === 'failed').length,
        pending: tests.filter((t) => t.state === 'pending').length,
        tests,
        vscodeVersion: vscode.version,
      }),
    );
    runner.on('pass', (test) => tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration }));
    // Also fires for a failing hook, whose title names it ('"before all" hook for …').
    runner.on('fail', (test, err: Error) => tests.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration, error: err.stack ?? String(err) }));
    runner.on('pending', (test) => tests.push({ title: test.fullTitle(), state: 'pending' }));
  });
}

/** Entry point for @vscode/test-electron (extensionTestsPath). */
export async function run(): Promise<void> {
  const results = await runSuite();
  if (results.failed > 0 || results.passed === 0) {
    throw new Error(`${results.failed} of ${results.tests.length} in-host tests failed`);
  }
}
