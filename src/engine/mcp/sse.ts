/**
 * A streaming parser for `text/event-stream` (WHATWG HTML, "Server-sent
 * events"): bytes go in as they arrive, events come out on each blank line.
 * It never holds more than the current line and the current event's data.
 */

export interface SseEvent {
  /** The `event:` field, `message` when the event named none. */
  type: string;
  /** The `data:` lines joined by `\n`. */
  data: string;
  /** The last `id:` seen on the stream so far (it carries over between events). */
  lastEventId: string;
  /** A `retry:` given in this event, in milliseconds. */
  retry?: number;
}

/** Thrown by `push` when one event (its pending line plus its data) outgrows the limit. */
export class SseEventTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`server-sent event larger than ${limit} characters`);
    this.name = 'SseEventTooLargeError';
  }
}

export interface SseParserOptions {
  /** Upper bound on one event, in UTF-16 code units (default 64 Mi). */
  maxEventLength?: number;
}

const LF = 10;
const COLON = 58;
const SPACE = 32;
const DIGITS = /^[0-9]+$/;

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxEventLength: number;
  /** Pieces of a line whose terminator has not arrived yet. */
  private lineParts: string[] = [];
  private lineLength = 0;
  /** The previous chunk ended in CR: a leading LF in the next one belongs to it. */
  private afterCR = false;
  private dataLines: string[] = [];
  private dataLength = 0;
  private eventType = '';
  private lastEventId = '';
  private retry: number | undefined;

  /**
   * `onEvent` runs synchronously inside `push`; if it throws, the error leaves
   * `push` and the parser must not be used again.
   */
  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    options: SseParserOptions = {},
  ) {
    this.maxEventLength = options.maxEventLength ?? 64 * 1024 * 1024;
  }

  /** Feeds the next piece of the stream; UTF-8 sequences may be split across chunks. */
  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (text.length > 0) this.scan(text);
  }

  /**
   * The stream ended. An event without its closing blank line is discarded,
   * as the standard says; the parser is ready for a new stream afterwards.
   */
  end(): void {
    const rest = this.decoder.decode();
    if (rest.length > 0) this.scan(rest);
    this.lineParts = [];
    this.lineLength = 0;
    this.afterCR = false;
    this.dataLines = [];
    this.dataLength = 0;
    this.eventType = '';
    this.retry = undefined;
  }

  private scan(text: string): void {
    const n = text.length;
    let start = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    // indexOf jumps over long data lines far faster than a per-character loop;
    // each position is cached so a missing CR is looked for once per chunk.
    let nextLF = text.indexOf('\n', start);
    let nextCR = text.indexOf('\r', start);
    while (nextLF !== -1 || nextCR !== -1) {
      const end = nextCR === -1 || (nextLF !== -1 && nextLF < nextCR) ? nextLF : nextCR;
      this.takeLine(text, start, end);
      start = end + 1;
      if (end === nextCR) {
        if (start < n) {
          if (text.charCodeAt(start) === LF) start++;
        } else {
          this.afterCR = true;
        }
      }
      if (nextLF !== -1 && nextLF < start) nextLF = text.indexOf('\n', start);
      if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf('\r', start);
    }
    if (start < n) {
      const rest = start === 0 ? text : text.slice(start);
      this.lineParts.push(rest);
      this.lineLength += rest.length;
      this.checkSize();
    }
  }

  private takeLine(text: string, start: number, end: number): void {
    let line = text.slice(start, end);
    if (this.lineParts.length > 0) {
      this.lineParts.push(line);
      line = this.lineParts.join('');
      this.lineParts = [];
      this.lineLength = 0;
    }
    this.processLine(line);
  }

  private processLine(line: string): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === COLON) return; // a comment, e.g. a keep-alive
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        this.dataLength += value.length + 1;
        this.checkSize();
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (DIGITS.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(): void {
    const type = this.eventType || 'message';
    const retry = this.retry;
    this.eventType = '';
    this.retry = undefined;
    if (this.dataLines.length === 0) return;
    const data = this.dataLines.length === 1 ? this.dataLines[0]! : this.dataLines.join('\n');
    this.dataLines = [];
    this.dataLength = 0;
    const event: SseEvent = { type, data, lastEventId: this.lastEventId };
    if (retry !== undefined) event.retry = retry;
    this.onEvent(event);
  }

  private checkSize(): void {
    if (this.lineLength + this.dataLength > this.maxEventLength) throw new SseEventTooLargeError(this.maxEventLength);
  }
}
