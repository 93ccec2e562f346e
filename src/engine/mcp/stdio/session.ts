/**
 * One MCP session for every remote session. The child is shared, and an MCP
 * server initializes once: the first `initialize` goes to the child, later
 * ones are answered from its cached result, and duplicate
 * `notifications/initialized` are swallowed. After a crash the fresh child is
 * initialized again with the first session's parameters before calls resume,
 * so sessions that initialized before the crash keep working.
 */
import { isObject } from '../../../protocol/jsonrpc';
import { DeadlineExceededError } from '../../failure';
import type { Logger } from '../../log';
import type { McpCall } from '../channel';
import type { Note, Obj, Req } from './ids';

/** What the session needs from the channel; `C` is one spawned child. */
export interface SessionLink<C> {
  /** The running child once ready (calls made while it restarts wait). */
  acquire(signal: AbortSignal): Promise<C>;
  /** Sends a request under a fresh local id; resolves with its answer under the caller's id. */
  send(child: C, call: McpCall | null, message: Req, signal: AbortSignal): Promise<Obj>;
  write(child: C, message: unknown): Promise<number>;
}

/** The session as one child knows it. */
interface ChildSession {
  /** The server's `initialize` result, served to later sessions. */
  result: Obj | null;
  /** Settles when the `initialize` sent to this child is answered or fails. */
  inFlight: Promise<void> | null;
  initializedSent: boolean;
}

export class SharedSession<C extends { answered: boolean }> {
  private readonly children = new WeakMap<C, ChildSession>();
  /** The first successful `initialize` params, replayed after a restart. */
  private params: unknown = undefined;
  private initializedEver = false;

  constructor(
    private readonly link: SessionLink<C>,
    private readonly logger: Logger,
    private readonly channel: string,
    private readonly replayTimeoutMs: number,
  ) {}

  /** True once a session initialized: a fresh child is initialized again before it serves. */
  get needsReplay(): boolean {
    return this.params !== undefined;
  }

  /**
   * `initialize` from a remote session, answered under its own id. The
   * protocol version is the one the server negotiated: MCP servers answer the
   * client's version when they support it and otherwise their own, and this
   * child is already bound to the version it answered, so that is the only
   * one it can honour for anybody.
   */
  async initialize(call: McpCall, message: Req): Promise<Obj> {
    for (;;) {
      const child = await this.link.acquire(call.signal);
      const session = this.of(child);
      if (session.result) return { jsonrpc: '2.0', id: message.id, result: session.result };
      if (session.inFlight) {
        await raceSignal(session.inFlight, call.signal);
        continue;
      }
      const done = this.begin(session);
      try {
        const response = await this.link.send(child, call, message, call.signal);
        if (isObject(response.result)) {
          session.result = response.result;
          this.params = message.params;
        }
        return response;
      } finally {
        done();
      }
    }
  }

  /** `notifications/initialized` from a remote session: the child is one MCP session and hears it once. */
  async initialized(child: C, message: Note): Promise<void> {
    this.initializedEver = true;
    const session = this.of(child);
    if (session.initializedSent) return;
    session.initializedSent = true;
    await this.link.write(child, message);
  }

  /**
   * Replays the first session's `initialize` (and `notifications/initialized`)
   * to a restarted child. Resolves false when the child failed it (a timeout
   * restarts the child, see the channel's abandon; a crash restarts it
   * anyway), true when the child may serve.
   */
  async replay(child: C): Promise<boolean> {
    const timeout = AbortSignal.timeout(this.replayTimeoutMs);
    const session = this.of(child);
    const done = this.begin(session);
    try {
      const response = await this.link.send(child, null, { jsonrpc: '2.0', id: 0, method: 'initialize', params: this.params }, timeout);
      if (isObject(response.result)) {
        session.result = response.result;
        child.answered = true;
        if (this.initializedEver) {
          await this.link.write(child, { jsonrpc: '2.0', method: 'notifications/initialized' });
          session.initializedSent = true;
        }
      } else {
        this.logger.warn('MCP server refused the replayed initialize; the next session initialize goes through', { channel: this.channel });
        this.params = undefined;
      }
    } catch {
      return false;
    } finally {
      done();
    }
    return true;
  }

  private of(child: C): ChildSession {
    let session = this.children.get(child);
    if (!session) {
      session = { result: null, inFlight: null, initializedSent: false };
      this.children.set(child, session);
    }
    return session;
  }

  /** Marks an `initialize` in flight on the child; the returned function ends it and wakes who waited. */
  private begin(session: ChildSession): () => void {
    let wake!: () => void;
    session.inFlight = new Promise<void>((resolve) => (wake = resolve));
    return () => {
      session.inFlight = null;
      wake();
    };
  }
}

/** Waits for `promise`, or fails with the deadline when `signal` aborts first. */
function raceSignal(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineExceededError());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
