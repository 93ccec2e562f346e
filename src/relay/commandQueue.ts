/**
 * The relay's per-tunnel command queue: commands wait here until a poll takes
 * them, then stay pending until their one terminal response arrives (or they
 * are dropped). Each command goes to exactly one poll; a poll that could not
 * write its batch hands the commands back with `requeue`.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_CHANNEL, TERMINAL_RESPONSE_TYPES, type Headers, type ResponseType, type TunnelResponsePayload } from '../protocol/wire';

/**
 * What a caller puts on the queue. Missing fields are filled in (request_id,
 * shard_token, command_type `jsonrpc`, channel `main`, created_at, the relay's
 * response_timeout, empty headers). Any other field is sent as is, so tests can
 * also enqueue unknown fields, unknown command types or odd response_timeouts.
 */
export interface EnqueueInput {
  command_type?: string;
  jsonrpc?: unknown;
  headers?: Headers;
  channel?: string;
  response_timeout?: unknown;
  request_id?: string;
  shard_token?: string;
  created_at?: string;
  [extra: string]: unknown;
}

export interface EnqueueOptions {
  /** Drop the command if no terminal response arrives in time; `terminal` then rejects with `CommandDroppedError`. */
  timeoutMs?: number;
  /** Called for each accepted `jsonrpc_notify`, in arrival order. */
  onNotify?: (payload: TunnelResponsePayload) => void;
}

export type CommandState = 'queued' | 'delivered' | 'done' | 'dropped';

/** A command the relay has put on its queue, as seen by whoever enqueued it. */
export interface CommandHandle {
  readonly requestId: string;
  /** The command exactly as polls deliver it. */
  readonly command: Readonly<Record<string, unknown>>;
  readonly state: CommandState;
  /** Accepted `jsonrpc_notify` payloads so far. */
  readonly notifies: readonly TunnelResponsePayload[];
  /** The accepted terminal payload; rejects with `CommandDroppedError` on timeout, cancel or relay close. */
  readonly terminal: Promise<TunnelResponsePayload>;
  onNotify(listener: (payload: TunnelResponsePayload) => void): void;
  /** Drops the command: a poll will not deliver it and a late response gets 404. */
  cancel(): void;
}

export type DropReason = 'timeout' | 'cancelled' | 'closed';

export class CommandDroppedError extends Error {
  constructor(
    readonly requestId: string,
    readonly reason: DropReason,
    /** True when a poll had taken the command before it was dropped. */
    readonly delivered: boolean,
  ) {
    super(
      reason === 'timeout'
        ? `command ${requestId} got no terminal response in time (${delivered ? 'delivered to a tunnel client' : 'never polled'})`
        : reason === 'closed'
          ? `command ${requestId} dropped: the relay is closing`
          : `command ${requestId} was cancelled`,
    );
    this.name = 'CommandDroppedError';
  }
}

export class PendingCommand implements CommandHandle {
  state: CommandState = 'queued';
  readonly notifies: TunnelResponsePayload[] = [];
  readonly terminal: Promise<TunnelResponsePayload>;
  /** Serialized once at enqueue; polls concatenate these. */
  readonly json: string;
  timer: NodeJS.Timeout | undefined;
  private listeners: ((payload: TunnelResponsePayload) => void)[] = [];
  private settle!: { resolve: (p: TunnelResponsePayload) => void; reject: (e: Error) => void };

  constructor(
    readonly command: Record<string, unknown>,
    readonly requestId: string,
    readonly shardToken: string,
    private readonly queue: CommandQueue,
  ) {
    this.json = JSON.stringify(command);
    this.terminal = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Callers that never await the terminal must not crash the process on close.
    this.terminal.catch(() => undefined);
  }

  /** The JSON-RPC message this command carries, when it is a jsonrpc command. */
  get jsonrpc(): unknown {
    return this.command.jsonrpc;
  }

  get commandType(): unknown {
    return this.command.command_type;
  }

  onNotify(listener: (payload: TunnelResponsePayload) => void): void {
    this.listeners.push(listener);
  }

  cancel(): void {
    this.queue.drop(this, 'cancelled');
  }

  notify(payload: TunnelResponsePayload): void {
    this.notifies.push(payload);
    for (const listener of this.listeners) listener(payload);
  }

  finish(payload: TunnelResponsePayload): void {
    this.state = 'done';
    this.settle.resolve(payload);
  }

  fail(error: Error): void {
    this.state = 'dropped';
    this.settle.reject(error);
  }
}

export interface PollWaiter {
  limit: number;
  /** Receives at least one command; must write them or `requeue` them. */
  deliver(commands: PendingCommand[]): void;
  /** The relay is closing: answer without commands. */
  abandon(): void;
}

export type AcceptResult =
  | { ok: true; command: PendingCommand; terminal: boolean }
  | { ok: false; status: 400 | 404; reason: RejectReason; code: string; message: string };

export type RejectReason = 'unknown_request' | 'already_finished' | 'notify_after_terminal' | 'expired' | 'wrong_shard_token';

type FinishedAs = 'finished' | 'expired';

/** How many finished request ids are remembered to tell "finished" from "never existed". */
const FINISHED_MEMORY = 50_000;

export class CommandQueue {
  private readonly queued: PendingCommand[] = [];
  private readonly pending = new Map<string, PendingCommand>();
  private waiters: PollWaiter[] = [];
  private readonly finished = new Map<string, FinishedAs>();
  private dispatchScheduled = false;
  private closed = false;

  commandsQueued = 0;
  commandsDelivered = 0;
  commandsRequeued = 0;
  commandsDropped = 0;
  /** Date.now() of the last poll that reached the queue, 0 when none yet. */
  lastPollAt = 0;

  constructor(private readonly defaultResponseTimeout: string | null) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  get waitingPolls(): number {
    return this.waiters.length;
  }

  enqueue(input: EnqueueInput, options: EnqueueOptions = {}): PendingCommand {
    if (this.closed) throw new Error('the relay is closed: cannot enqueue commands');
    const requestId = input.request_id ?? `req_${randomUUID().replace(/-/g, '')}`;
    const shardToken = input.shard_token ?? `shard:${randomUUID()}`;
    if (this.pending.has(requestId)) throw new Error(`a command with request_id ${requestId} is already pending`);
    const command: Record<string, unknown> = {
      request_id: requestId,
      shard_token: shardToken,
      command_type: 'jsonrpc',
      channel: DEFAULT_CHANNEL,
      created_at: new Date().toISOString(),
      response_timeout: this.defaultResponseTimeout,
      headers: {},
    };
    for (const key in input) {
      if (input[key] !== undefined) command[key] = input[key];
    }
    const pending = new PendingCommand(command, requestId, shardToken, this);
    if (options.onNotify) pending.onNotify(options.onNotify);
    if (options.timeoutMs !== undefined) pending.timer = setTimeout(() => this.drop(pending, 'timeout'), options.timeoutMs);
    this.pending.set(requestId, pending);
    this.queued.push(pending);
    this.commandsQueued++;
    this.schedule();
    return pending;
  }

  /** Takes up to `limit` queued commands for a poll that can answer at once. */
  take(limit: number): PendingCommand[] {
    this.lastPollAt = Date.now();
    const batch = this.queued.splice(0, limit);
    for (const c of batch) c.state = 'delivered';
    this.commandsDelivered += batch.length;
    return batch;
  }

  /** Registers a long-poll; returns a function that withdraws it (idempotent). */
  wait(waiter: PollWaiter): () => void {
    this.lastPollAt = Date.now();
    this.waiters.push(waiter);
    this.schedule();
    return () => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
    };
  }

  /** Puts commands a poll could not write back at the front of the queue, in order. */
  requeue(commands: PendingCommand[]): void {
    const back = commands.filter((c) => c.state === 'delivered');
    for (const c of back) c.state = 'queued';
    this.commandsRequeued += back.length;
    this.commandsDelivered -= back.length;
    this.queued.unshift(...back);
    this.schedule();
  }

  /** Answers waiting polls from one macrotask, so commands enqueued together share a batch. */
  private schedule(): void {
    if (this.dispatchScheduled || this.waiters.length === 0 || this.queued.length === 0) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      while (this.waiters.length > 0 && this.queued.length > 0) {
        const waiter = this.waiters.shift()!;
        const batch = this.queued.splice(0, waiter.limit);
        for (const c of batch) c.state = 'delivered';
        this.commandsDelivered += batch.length;
        waiter.deliver(batch);
      }
    });
  }

  /** Applies one validated response POST to its command. */
  accept(payload: TunnelResponsePayload & { resp_type: ResponseType }, shardToken: string): AcceptResult {
    const command = this.pending.get(payload.request_id);
    if (!command) {
      const finished = this.finished.get(payload.request_id);
      const reason: RejectReason =
        finished === undefined
          ? 'unknown_request'
          : finished === 'expired'
            ? 'expired'
            : payload.resp_type === 'jsonrpc_notify'
              ? 'notify_after_terminal'
              : 'already_finished';
      return {
        ok: false,
        status: 404,
        reason,
        code: 'pending_request_not_found',
        message:
          reason === 'unknown_request'
            ? `no pending command has request_id ${payload.request_id}`
            : reason === 'expired'
              ? `command ${payload.request_id} is no longer pending: it expired or was dropped before a terminal response arrived`
              : `command ${payload.request_id} already has its terminal response`,
      };
    }
    if (shardToken !== command.shardToken) {
      return {
        ok: false,
        status: 400,
        reason: 'wrong_shard_token',
        code: 'invalid_shard_token',
        message: `X-Tunnel-Shard-Token does not match the shard_token polled with command ${payload.request_id}`,
      };
    }
    // A response for a command we believed unwritten means the poll did reach the client after all.
    if (command.state === 'queued') {
      const i = this.queued.indexOf(command);
      if (i >= 0) this.queued.splice(i, 1);
      command.state = 'delivered';
    }
    const terminal = TERMINAL_RESPONSE_TYPES.has(payload.resp_type);
    if (terminal) {
      this.retire(command, 'finished');
      command.finish(payload);
    } else {
      command.notify(payload);
    }
    return { ok: true, command, terminal };
  }

  drop(command: PendingCommand, reason: DropReason): void {
    if (command.state === 'done' || command.state === 'dropped') return;
    const delivered = command.state === 'delivered';
    if (command.state === 'queued') {
      const i = this.queued.indexOf(command);
      if (i >= 0) this.queued.splice(i, 1);
    }
    this.retire(command, 'expired');
    this.commandsDropped++;
    command.fail(new CommandDroppedError(command.requestId, reason, delivered));
  }

  private retire(command: PendingCommand, as: FinishedAs): void {
    if (command.timer) clearTimeout(command.timer);
    this.pending.delete(command.requestId);
    this.finished.set(command.requestId, as);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.keys().next().value!);
  }

  /** Drops every pending command and answers waiting polls without commands. */
  close(): void {
    this.closed = true;
    for (const command of [...this.pending.values()]) this.drop(command, 'closed');
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.abandon();
  }
}
