import { strict as assert } from 'node:assert';
import { toReport, type DoctorCheck } from '../../../src/doctor/report';
import { commandUri, DOCTOR_COMMANDS, doctorReportHtml, fixLinks, summaryLine } from '../../../src/extension/doctorReport';

const CHECKS: DoctorCheck[] = [
  { id: 'config', title: 'Configuration', status: 'ok', detail: 'Profile "dev"' },
  { id: 'api-key', title: 'API key', status: 'fail', detail: 'No API key is stored for the profile "dev"', why: 'Every request carries it.', fix: "Run 'MCP Tunnel: Set API Key'" },
  { id: 'health', title: 'Health address can be bound', status: 'warn', detail: '127.0.0.1:8080 <in use>', fix: 'Choose another port' },
];

describe('doctor report page', () => {
  const report = toReport(CHECKS, 'dev');
  const html = doctorReportHtml(report, 'dev', { nonce: 'n0nce', ranAt: new Date(0) });

  it('offers Set API Key… for a key problem and Edit Profiles for the rest, for this profile', () => {
    assert.deepEqual(fixLinks(CHECKS[1]!, 'dev').map((l) => [l.title, l.command, l.args]), [
      ['Set API Key…', 'mcpTunnel.setApiKey', ['dev']],
      ['Edit Profiles', 'mcpTunnel.editProfiles', ['dev']],
    ]);
    assert.deepEqual(fixLinks(CHECKS[2]!, 'dev').map((l) => l.command), ['mcpTunnel.editProfiles']);
    assert.deepEqual(fixLinks(CHECKS[0]!, 'dev'), []);
    assert.ok(html.includes(`href="${commandUri({ title: '', command: 'mcpTunnel.setApiKey', args: ['dev'] })}"`));
    assert.equal(commandUri({ title: '', command: 'mcpTunnel.setApiKey', args: ['dev'] }), `command:mcpTunnel.setApiKey?${encodeURIComponent('["dev"]')}`);
  });

  it('links only to the commands the panel allows, and runs no script', () => {
    const commands = [...html.matchAll(/href="command:([\w.]+)/g)].map((m) => m[1]!);
    assert.ok(commands.length >= 4);
    for (const c of commands) assert.ok((DOCTOR_COMMANDS as readonly string[]).includes(c), `${c} is not allowed`);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /default-src 'none'; style-src 'nonce-n0nce'/);
  });

  it('puts the problems first with why and what to do, then what passed, and says the totals', () => {
    assert.equal(summaryLine(report), '1 failed, 1 warning, 1 passed.');
    assert.ok(html.indexOf('data-check="api-key"') < html.indexOf('data-check="config"'));
    assert.ok(html.indexOf('data-check="health"') < html.indexOf('data-check="config"'));
    assert.match(html, /Why it matters:<\/strong> Every request carries it\./);
    assert.equal(summaryLine(toReport([CHECKS[0]!])), 'The one check passed.');
  });

  it('escapes what the checks found', () => {
    assert.ok(html.includes('127.0.0.1:8080 &#60;in use&#62;'));
    assert.ok(!html.includes('<in use>'));
  });
});
