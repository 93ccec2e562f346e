/** Client TLS options for one hop (the control plane, or one MCP origin), built one way for both. */
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import type { TlsMaterial } from './config';

/** The hop's certificate and key; a configured CA adds to the bundled Mozilla roots instead of replacing them. */
export function tlsConnectOptions(tls: TlsMaterial): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (tls.cert) options.cert = tls.cert;
  if (tls.key) options.key = tls.key;
  if (tls.ca) options.ca = [...rootCertificates, tls.ca];
  return options;
}
