import { strict as assert } from 'node:assert';
import { exportFolder, isWithin } from '../../../src/extension/exportLocation';

const dirs = (...present: string[]) => (dir: string) => present.includes(dir);

describe('export location', () => {
  it('offers the Downloads folder when there is one', () => {
    assert.equal(exportFolder({ home: '/home/ann', tmp: '/tmp', workspaceFolders: ['/home/ann/project'], exists: dirs('/home/ann/Downloads', '/home/ann', '/tmp') }), '/home/ann/Downloads');
  });

  it('falls back to the home folder without a Downloads folder', () => {
    assert.equal(exportFolder({ home: '/home/ann', tmp: '/tmp', workspaceFolders: ['/home/ann/project'], exists: dirs('/home/ann', '/tmp') }), '/home/ann');
  });

  it('never offers a folder inside the workspace: with the home folder open, the temporary folder', () => {
    assert.equal(exportFolder({ home: '/home/ann', tmp: '/tmp', workspaceFolders: ['/home/ann'], exists: dirs('/home/ann/Downloads', '/home/ann', '/tmp') }), '/tmp');
  });

  it('tells a folder below another from one that only shares the start of its name', () => {
    assert.equal(isWithin('/home/ann/project/sub', '/home/ann/project'), true);
    assert.equal(isWithin('/home/ann/project', '/home/ann/project'), true);
    assert.equal(isWithin('/home/ann/project-2', '/home/ann/project'), false);
    assert.equal(isWithin('/home', '/home/ann'), false);
  });
});
