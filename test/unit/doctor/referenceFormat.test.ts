import { strict as assert } from 'node:assert';
import { toReferenceReport, type DoctorCheck } from '../../../src/doctor';
import { toReport } from '../../../src/doctor/report';

const check = (id: string, status: DoctorCheck['status'], extra: Partial<DoctorCheck> = {}): DoctorCheck => ({ id, title: id, status, detail: `${id} detail`, ...extra });

describe('doctor --json in the reference shape', () => {
  it('maps ids and statuses, names the next command when nothing failed, and adds the config source', () => {
    const report = toReport([check('config', 'ok'), check('tunnel-id', 'ok'), check('mcp:main', 'ok', { referenceId: 'mcp_command_executable' }), check('health', 'ok')]);
    const ref = toReferenceReport(report, { profileName: 'local' });
    assert.equal(ref.result, 'ok');
    assert.equal(ref.next, 'mcp-tunnel run --profile local');
    assert.equal(ref.failed_checks, undefined);
    assert.deepEqual(
      ref.checks.map((c) => [c.id, c.status, c.summary]),
      [
        ['config_source', 'PASS', 'profile: local'],
        ['config_validation', 'PASS', 'config detail'],
        ['tunnel_id', 'PASS', 'tunnel-id detail'],
        ['mcp_command_executable', 'PASS', 'mcp:main detail'],
        ['health_listener', 'PASS', 'health detail'],
      ],
    );
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(ref))), ['result', 'next', 'checks']);
  });

  it('lists failed checks once each, with why, evidence and next; a warning passes with its reason', () => {
    const report = toReport([
      check('api-key', 'fail', { detail: 'No API key is configured\nsecond line', why: 'needed', fix: 'export it' }),
      check('file:controlPlane.clientKey', 'warn', { detail: 'readable by others', fix: 'chmod 600' }),
      check('mcp:docs', 'fail', { referenceId: 'mcp_server_reachable:docs', fix: 'start it' }),
    ]);
    const ref = toReferenceReport(report, {});
    assert.equal(ref.result, 'fail');
    assert.equal(ref.next, undefined);
    assert.deepEqual(ref.failed_checks, ['control_plane_api_key', 'mcp_server_reachable:docs']);
    const key = ref.checks.find((c) => c.id === 'control_plane_api_key')!;
    assert.deepEqual(key, { id: 'control_plane_api_key', status: 'FAIL', summary: 'No API key is configured', why: 'needed', evidence: ['No API key is configured', 'second line'], next: ['export it'] });
    const warn = ref.checks.find((c) => c.id === 'tls_file:controlPlane.clientKey')!;
    assert.equal(warn.status, 'PASS');
    assert.match(warn.summary, /^warning: readable by others/);
    assert.equal(ref.checks[0].summary, 'flags/environment only');
  });
});
