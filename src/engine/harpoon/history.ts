/**
 * The most recent Harpoon calls, for the dashboard. Bodies are kept only
 * when `capture_payloads` is on, redacted, and cut to a few KiB.
 */
import { redactText, redactValue } from '../redact';

export interface HarpoonCallRecord {
  at: number;
  label: string;
  method: string;
  /** Origin and path only: the query may carry secrets. */
  url?: string;
  status: number;
  latencyMs: number;
  requestBytes: number;
  responseBytes: number;
  contentType?: string;
  error?: string;
  requestBody?: string;
  responseBody?: string;
}

export interface HarpoonCallInput extends Omit<HarpoonCallRecord, 'at' | 'requestBody' | 'responseBody'> {
  requestBody?: string;
  responseBody?: Buffer;
}

const KEEP = 100;
const BODY_MAX = 4096;

export class HarpoonHistory {
  private readonly records: HarpoonCallRecord[] = [];

  constructor(
    private readonly capturePayloads: boolean,
    private readonly secrets: () => readonly string[],
  ) {}

  record(input: HarpoonCallInput): void {
    const { requestBody, responseBody, url, ...rest } = input;
    const entry: HarpoonCallRecord = { at: Date.now(), ...rest, latencyMs: Math.round(rest.latencyMs) };
    if (url) {
      const u = new URL(url);
      entry.url = `${u.origin}${u.pathname}`;
    }
    if (this.capturePayloads) {
      if (requestBody) entry.requestBody = this.redact(requestBody);
      if (responseBody && responseBody.length > 0) entry.responseBody = this.redact(responseBody.toString('utf8'));
    }
    this.records.push(entry);
    if (this.records.length > KEEP) this.records.shift();
  }

  /** JSON bodies lose their secret-looking fields (access_token, client_secret…); any text its bearer tokens and the tunnel's key. */
  private redact(text: string): string {
    let out: string;
    try {
      out = JSON.stringify(redactValue(JSON.parse(text), this.secrets()));
    } catch {
      out = redactText(text, this.secrets());
    }
    return out.length > BODY_MAX ? `${out.slice(0, BODY_MAX)}…` : out;
  }

  recent(): HarpoonCallRecord[] {
    return [...this.records];
  }
}
