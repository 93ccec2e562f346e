/** Client TLS for one hop (the control plane, or one MCP origin): its options built one way for both, and TLS failures kept as such. */
import type { Socket } from 'node:net';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { buildConnector } from 'undici';
import type { TlsMaterial } from './config';

/** The hop's certificate and key; a configured CA adds to the bundled Mozilla roots instead of replacing them. */
export function tlsConnectOptions(tls: TlsMaterial): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (tls.cert) options.cert = tls.cert;
  if (tls.key) options.key = tls.key;
  if (tls.ca) options.ca = [...rootCertificates, tls.ca];
  return options;
}

/** TLS error codes `classifyNetworkError` does not recognise (no ERR_TLS / ERR_SSL / CERT in them). */
const TLS_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'HOSTNAME_MISMATCH', 'EPROTO']);

/** Also ERR_OSSL_*: configured certificate or key material OpenSSL cannot use. */
export function isTlsCode(code: unknown): boolean {
  return (
    typeof code === 'string' &&
    (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.startsWith('ERR_OSSL') || code.includes('CERT'))
  );
}

/**
 * With TLS 1.3 a server that rejects our client certificate says so in an
 * alert read after the handshake; undici then reports the EOF that follows
 * ("other side closed") instead. Ending the socket with the TLS error itself
 * keeps the real cause, so the failure says `tls`.
 */
export function keepTlsErrors(options: ConnectionOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) =>
    connect(opts, (...args) => {
      args[1]?.on('error', endOnTlsError);
      callback(...args);
    });
}

function endOnTlsError(this: Socket, err: Error & { code?: string }): void {
  if (isTlsCode(err.code) && !this.destroyed) this.destroy(err);
}
