/**
 * Line framing on a stdio MCP server's pipes: one JSON-RPC message per line.
 * Both directions are capped at `maxMessageBytes`. A server that prints a
 * huge result would otherwise make the channel buffer it whole, and a message
 * too large for the server's own reader would wedge it for every session, so
 * an oversized line is dropped as it streams by (only its ends are kept, to
 * tell which call it answered) and an oversized outgoing message never leaves.
 */
import type { Writable } from 'node:stream';
import { TunnelFailureError } from '../../failure';

/** Splits stdout into lines without re-scanning or re-concatenating earlier chunks. */
export class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private discarding = false;
  private discardedBytes = 0;
  private head: Buffer = Buffer.alloc(0);
  private tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversize: (bytes: number, head: Buffer, tail: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        if (start < chunk.length) this.append(chunk.subarray(start));
        return;
      }
      if (nl > start) this.append(chunk.subarray(start, nl));
      this.endLine();
      start = nl + 1;
    }
  }

  private append(part: Buffer): void {
    if (this.discarding) {
      this.discardedBytes += part.length;
      this.keepTail(part);
      return;
    }
    if (this.size + part.length > this.maxBytes) {
      // Keep only a few bytes of either end: enough to find a top-level id.
      this.chunks.push(part);
      const all = Buffer.concat(this.chunks, this.size + part.length);
      this.head = Buffer.from(all.subarray(0, 128));
      this.discarding = true;
      this.discardedBytes = all.length;
      this.chunks = [];
      this.size = 0;
      this.keepTail(all);
      return;
    }
    this.chunks.push(part);
    this.size += part.length;
  }

  private keepTail(part: Buffer): void {
    const want = 128;
    this.tail =
      part.length >= want
        ? Buffer.from(part.subarray(part.length - want))
        : Buffer.concat([this.tail, part]).subarray(-want);
  }

  private endLine(): void {
    if (this.discarding) {
      const { discardedBytes, head, tail } = this;
      this.discarding = false;
      this.discardedBytes = 0;
      this.head = this.tail = Buffer.alloc(0);
      this.onOversize(discardedBytes, head, tail);
      return;
    }
    if (this.size === 0) return;
    const line = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    this.onLine(line);
  }
}

/**
 * Where serializers put a response's id: first after "jsonrpc" (pydantic:
 * `{"jsonrpc":"2.0","id":5,"result":…`), or last (TS SDK:
 * `{"result":…,"jsonrpc":"2.0","id":5}`). Server requests share the shapes
 * but carry "method", and their ids are the server's own, so they are excluded.
 */
const HEAD_ID = /^\s*\{\s*"jsonrpc"\s*:\s*"2\.0"\s*,\s*"id"\s*:\s*(\d+)\s*,\s*"(?:result|error)"/;
const HEAD_OF_RESPONSE = /^\s*\{\s*"(?:result|error)"/;
const TAIL_ID = /[,{]\s*"id"\s*:\s*(\d+)\s*\}\s*$/;

/** The local id a discarded oversized message answered, when it can be told from its ends. */
export function oversizedResponseId(head: Buffer, tail: Buffer): number | undefined {
  const start = head.toString('latin1');
  const found = HEAD_ID.exec(start) ?? (HEAD_OF_RESPONSE.test(start) ? TAIL_ID.exec(tail.toString('latin1')) : null);
  return found ? Number(found[1]) : undefined;
}

/** A message over the channel's size limit, refused before it reaches the server. */
export class MessageTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the message is ${bytes} bytes, over the ${limit}-byte limit of this stdio MCP server (mcp.maxMessageBytes)`);
    this.name = 'MessageTooLargeError';
  }
}

/** Writes lines to one child's stdin, waiting for 'drain' when the pipe is full. */
export class FrameWriter {
  private needDrain = false;
  private drained: Promise<void> | null = null;

  /**
   * `ended` says the child's end was handled: nothing more is written to it.
   * `onWritten` hears the size of every line handed to the pipe.
   */
  constructor(
    private readonly stdin: Writable,
    private readonly maxBytes: number,
    private readonly ended: () => boolean,
    private readonly onWritten: (bytes: number) => void,
  ) {
    stdin.on('drain', () => (this.needDrain = false));
    stdin.on('close', () => (this.needDrain = false));
  }

  /** Resolves with the line's size in bytes once it is queued on the pipe. */
  async write(message: unknown): Promise<number> {
    const data = Buffer.from(JSON.stringify(message) + '\n', 'utf8');
    if (data.length - 1 > this.maxBytes) throw new MessageTooLargeError(data.length - 1, this.maxBytes);
    const stdin = this.stdin;
    while (this.needDrain && !this.ended()) {
      this.drained ??= new Promise<void>((resolve) => {
        const done = () => {
          stdin.off('drain', done);
          stdin.off('close', done);
          this.drained = null;
          resolve();
        };
        stdin.on('drain', done);
        stdin.on('close', done);
      });
      await this.drained;
    }
    if (this.ended() || stdin.destroyed || !stdin.writable) {
      throw new TunnelFailureError('transport_closed', { kind: 'closed_pipe', message: 'MCP server stdin is closed' });
    }
    // A poll batch arrives as many calls in one tick: cork so they leave in one writev.
    if (stdin.writableCorked === 0) {
      stdin.cork();
      process.nextTick(() => stdin.uncork());
    }
    // Done once queued: a failed write (EPIPE) means the child is going away,
    // and its exit fails every call in flight.
    if (!stdin.write(data)) this.needDrain = true;
    this.onWritten(data.length);
    return data.length;
  }
}
