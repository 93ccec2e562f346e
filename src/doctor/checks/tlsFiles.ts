/**
 * Checks `file:FIELD`: every certificate, key and CA bundle the profile names
 * is a readable PEM file of its kind, private keys are not readable by
 * others, and a client key belongs to its certificate.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as path from 'node:path';
import { ConfigError, formatPath } from '../../profiles/errors';
import { readPemFile, type PemKind } from '../../profiles/resolve';
import { at, type DoctorInputs, type Path } from '../inputs';
import type { DoctorCheck } from '../report';

function keyMismatch(certPem: string, keyPem: string): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return undefined; // the certificate's own check reports it
  }
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem)) ? undefined : 'does not match the client certificate';
  } catch {
    return 'cannot be loaded (encrypted, or not a private key)';
  }
}

/** The file fields in check order; a key comes after the certificate it pairs with. */
function fileFields(raw: unknown): Array<{ p: Path; kind: PemKind; pair?: Path }> {
  const files: Array<{ p: Path; kind: PemKind; pair?: Path }> = [
    { p: ['controlPlane', 'clientCert'], kind: 'certificate' },
    { p: ['controlPlane', 'clientKey'], kind: 'key', pair: ['controlPlane', 'clientCert'] },
    { p: ['caBundle'], kind: 'CA bundle' },
    { p: ['mcp', 'caBundle'], kind: 'CA bundle' },
  ];
  const servers = at(raw, ['mcp', 'servers']);
  if (Array.isArray(servers)) {
    servers.forEach((_server, i) => {
      files.push({ p: ['mcp', 'servers', i, 'clientCert'], kind: 'certificate' });
      files.push({ p: ['mcp', 'servers', i, 'clientKey'], kind: 'key', pair: ['mcp', 'servers', i, 'clientCert'] });
    });
  }
  return files;
}

export async function tlsFiles({ raw, opts, describeField }: DoctorInputs): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const pems = new Map<string, string>();
  for (const entry of fileFields(raw)) {
    const value = at(raw, entry.p);
    if (typeof value !== 'string' || value === '') continue;
    const field = describeField(entry.p);
    const id = `file:${formatPath(entry.p)}`;
    const title = `${field} is readable`;
    const fileWarnings: string[] = [];
    try {
      const pem = await readPemFile(value, { ...opts, field, kind: entry.kind, warnings: fileWarnings });
      pems.set(formatPath(entry.p), pem);
      const certPem = entry.pair ? pems.get(formatPath(entry.pair)) : undefined;
      const mismatch = certPem !== undefined ? keyMismatch(certPem, pem) : undefined;
      if (mismatch) {
        checks.push({ id, title, status: 'fail', detail: `${field} ${mismatch}`, why: 'The TLS handshake needs the key that belongs to the client certificate.', fix: 'Point it at the private key issued with the certificate (not encrypted)' });
      } else if (fileWarnings.length > 0) {
        checks.push({ id, title, status: 'warn', detail: fileWarnings.join('\n'), why: 'Anyone who can read a private key can impersonate this client.', fix: `Run chmod 600 on the key file` });
      } else {
        checks.push({ id, title, status: 'ok', detail: `${path.resolve(value)} (PEM ${entry.kind})` });
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      checks.push({ id, title, status: 'fail', detail: `${field}: ${err.problem}`, why: 'TLS files are read at start; the tunnel cannot start without them.', fix: err.fix });
    }
  }
  return checks;
}
