import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extension } from './host';

describe('commands', () => {
  it('registers every command its manifest contributes', async () => {
    const declared = (extension().packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    assert.ok(declared.length > 0, 'the manifest declares commands');
    await extension().activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      declared.filter((c) => !registered.has(c)),
      [],
      'declared in package.json but not registered: the palette would show them and fail when run',
    );
  });
});
