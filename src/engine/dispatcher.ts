/**
 * Turns polled commands into MCP calls and response POSTs. A local queue
 * (capacity = max in-flight requests) feeds a bounded worker pool (max
 * concurrent MCP requests). Nothing is dropped for lack of room: the poller
 * waits for a free slot before asking for more. Every command gets exactly
 * one terminal response unless its deadline passed.
 */
import { performance } from 'node:perf_hooks';
import { invalidRequestError, isRequest, type JsonRpcMessage, type JsonRpcRequest } from '../protocol/jsonrpc';
import { channelRoute, decodeCommand, DEFAULT_CHANNEL, type InvalidJsonRpcCommand, type OAuthDiscoveryCommand, type PolledCommand, type SessionStreamCommand, type TunnelResponsePayload, type ResponseType, type Headers } from '../protocol/wire';
import { connectionTtl, type ConnectionTtl } from './connectionTtl';
import { Deadline, formatMs } from './deadline';
import { DeadlineExceededError, TunnelFailureError, synthesizeFailure } from './failure';
import type { Logger } from './log';
import type { ByteMeter, McpChannel } from './mcp/channel';
import { methodLabel, type EngineMetrics } from './metrics';
import type { PostOutcome, ResponsePoster } from './responsePoster';
import { answerOutcome, describeExchange, type TraceBuffer, type TraceEntry, type TraceOutcome } from './trace';
import { oauthDiscoveryError } from './oauth/errorBody';
import { oauthDiscoveryRefusal, unsupportedChannelAnswer } from './unsupportedChannel';

/** Session streams open at once, at most (each holds no worker, only a few objects). */
export const MAX_SESSION_STREAMS = 256;
/** A session stream lasts at most this long, then the relay opens the next one. */
export const STREAM_MAX_MS = 30_000;
/** A session stream ends this long before its deadline (or a tenth of what is left), so its terminal answer is on time. */
const STREAM_END_MARGIN_MS = 1000;

export interface DispatcherOptions {
  channels: ReadonlyMap<string, McpChannel>;
  poster: ResponsePoster;
  logger: Logger;
  metrics: EngineMetrics;
  trace: TraceBuffer;
  maxInflight: number;
  maxConcurrent: number;
  /** Longest one MCP request may take (`mcp.connectionMaxTtl`); 0 or unset: no bound beyond the deadline. */
  connectionMaxTtlMs?: number;
  /** Rewrites a protected-resource metadata document before it is posted (private authorization servers to `harpoon://` routes). */
  rewriteDiscovery?: (json: Record<string, unknown>) => Record<string, unknown>;
  onTrace(entry: TraceEntry): void;
}

/** A command as accepted: runnable, or a JSON-RPC message to refuse with -32600. */
type Accepted = PolledCommand | InvalidJsonRpcCommand;

interface Job {
  command: Accepted;
  deadline: Deadline;
  receivedAt: number;
  receivedWall: number;
  /** created_at as Unix milliseconds; NaN when absent or unreadable. */
  createdWall: number;
}

interface Answer {
  payload: TunnelResponsePayload | undefined;
  meter?: ByteMeter;
  outcome: TraceOutcome;
  notifications: unknown[];
  notificationCount: number;
  mcpMs: number;
}

export class Dispatcher {
  private readonly queue: Job[] = [];
  private queueHead = 0;
  private accepted = 0;
  private busy = 0;
  /** Session streams open (they run beside the worker pool). */
  private streams = 0;
  /** Ends every open session stream when the engine stops. */
  private readonly streamStop = new AbortController();
  private stopping = false;
  /** Set by abortAll: every deadline still open is cancelled, and later ones start cancelled. */
  private hardStopped = false;
  /** Deadlines of the commands accepted and not yet finished (cheaper than one stop listener per command). */
  private readonly open = new Set<Deadline>();
  private slotWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: DispatcherOptions) {
    o.metrics.queueCapacity.set(o.maxInflight);
    o.metrics.workerPoolCapacity.set(o.maxConcurrent);
    o.metrics.readOccupancy({ queued: () => this.queued, running: () => this.busy });
  }

  /** Commands accepted and not yet finished, open session streams aside (they are waits, not work). */
  get inFlight(): number {
    return this.accepted - this.streams;
  }

  /** Session streams open now. */
  get openStreams(): number {
    return this.streams;
  }

  get running(): number {
    return this.busy;
  }

  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /**
   * Room in the local queue. As in the reference daemon, it holds commands
   * waiting for a worker; those a worker runs no longer take a place.
   */
  availableSlots(): number {
    return Math.max(0, this.o.maxInflight - this.queued);
  }

  /** Resolves once the local queue has room (or `signal` aborts). */
  waitForSlot(signal: AbortSignal): Promise<void> {
    if (this.availableSlots() > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.slotWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Accepts every command of a poll batch; `receivedAt` is the batch's
   * monotonic receipt time. Returns how many were decoded and accepted.
   */
  submitBatch(commands: readonly unknown[], receivedAt: number): number {
    const wall = Date.now();
    let accepted = 0;
    for (const raw of commands) if (this.submit(raw, receivedAt, wall)) accepted++;
    return accepted;
  }

  private submit(raw: unknown, receivedAt: number, receivedWall: number): boolean {
    const decoded = decodeCommand(raw);
    if (decoded.ok === 'invalid') {
      this.o.logger.warn(`refusing a command whose message is not JSON-RPC: ${decoded.command.invalid}`, { request_id: decoded.command.request_id });
    } else if (!decoded.ok) {
      const unknownType = decoded.reason === 'unknown command_type';
      this.o.metrics.queueDrops.inc({ drop_reason: unknownType ? 'invalid_command_type' : 'invalid_command' });
      if (unknownType) {
        this.o.logger.warn('skipping command of unknown type', { request_id: decoded.requestId ?? '(none)' });
      } else {
        this.o.logger.warn(`skipping undecodable command: ${decoded.reason}`, { request_id: decoded.requestId ?? '(none)' });
      }
      return false;
    }
    const command = decoded.command;
    // created_at is diagnostic only: it feeds the age and latency metrics, never a deadline.
    const createdWall = command.created_at === '' ? NaN : Date.parse(command.created_at);
    if (receivedWall >= createdWall) this.o.metrics.commandAge.observe((receivedWall - createdWall) / 1000);
    const deadline = Deadline.fromReceipt(receivedAt, command.response_timeout);
    if (this.hardStopped) deadline.cancel();
    const job: Job = { command, deadline, receivedAt, receivedWall, createdWall };
    if (deadline.signal.aborted) {
      // Already expired (for example `0s`): MCP is not touched and nothing is posted.
      deadline.dispose();
      this.o.logger.debug('dropping command whose deadline already passed', { request_id: command.request_id });
      this.finish(job, receivedAt, blankAnswer('expired'), 0, undefined);
      return true;
    }
    this.accepted++;
    this.open.add(deadline);
    if (command.command_type === 'session_stream') {
      this.runStream(job);
      return true;
    }
    this.queue.push(job);
    this.pump();
    return true;
  }

  private pump(): void {
    while (this.busy < this.o.maxConcurrent && this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Job;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      this.busy++;
      // run() settles, never rejects; the second handler is a last guard so a bug can never stop the pool.
      const done = () => {
        this.busy--;
        this.accepted--;
        this.release(job);
        // A waiting command takes the freed worker first; the queue place it leaves lets the poller go on.
        this.pump();
        this.releaseWaiters();
      };
      this.run(job).then(done, (err: unknown) => {
        this.o.logger.error(`internal error in the worker pool: ${errorText(err)}`, { request_id: job.command.request_id });
        done();
      });
    }
  }

  /**
   * A session stream waits for the server, not for a worker: it runs beside
   * the pool (at most MAX_SESSION_STREAMS), so open streams never keep calls
   * from running.
   */
  private runStream(job: Job): void {
    this.streams++;
    const done = () => {
      this.streams--;
      this.accepted--;
      this.release(job);
      this.releaseWaiters();
    };
    this.run(job).then(done, (err: unknown) => {
      this.o.logger.error(`internal error in a session stream: ${errorText(err)}`, { request_id: job.command.request_id });
      done();
    });
  }

  private release(job: Job): void {
    job.deadline.dispose();
    this.open.delete(job.deadline);
  }

  private releaseWaiters(): void {
    if (this.availableSlots() > 0 && this.slotWaiters.length) {
      const waiters = this.slotWaiters;
      this.slotWaiters = [];
      for (const w of waiters) w();
    }
    if (this.accepted === 0 && this.idleWaiters.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Answers one command and records it. A bug anywhere in here costs that one
   * command a `client_internal` failure (when nothing was posted yet) and a log
   * line; it never rejects, so the pool keeps serving.
   */
  private async run(job: Job): Promise<void> {
    const startedAt = performance.now();
    let answer: Answer;
    try {
      answer = await this.answer(job);
    } catch (err) {
      this.o.logger.error(`internal error while handling a command: ${errorText(err)}`, { request_id: job.command.request_id });
      answer = this.failureAnswer(job.command, new TunnelFailureError('client_internal', { kind: 'unknown' }), 0);
    }
    let postMs = 0;
    let postOutcome: PostOutcome | undefined;
    if (answer.payload) {
      if (job.deadline.signal.aborted) {
        answer.outcome = job.deadline.expired ? 'expired' : 'cancelled';
      } else {
        const postStart = performance.now();
        try {
          postOutcome = await this.o.poster.postTerminal(answer.payload, job.command.shard_token, job.deadline.signal);
        } catch (err) {
          this.o.logger.error(`internal error while posting an answer: ${errorText(err)}`, { request_id: job.command.request_id });
          postOutcome = 'failed';
        }
        postMs = performance.now() - postStart;
        if (postOutcome === 'gone') answer.outcome = 'gone';
        else if (postOutcome === 'failed') answer.outcome = 'post_failed';
        else if (postOutcome === 'cancelled') answer.outcome = job.deadline.expired ? 'expired' : 'cancelled';
      }
    }
    try {
      this.finish(job, startedAt, answer, postMs, postOutcome);
    } catch (err) {
      this.o.logger.error(`internal error while recording a command: ${errorText(err)}`, { request_id: job.command.request_id });
    }
  }

  private async answer(job: Job): Promise<Answer> {
    const { command, deadline } = job;
    if (deadline.signal.aborted) return blankAnswer(deadline.expired ? 'expired' : 'cancelled');
    const channel = this.o.channels.get(channelRoute(command.channel));
    if (!channel) return this.unsupportedChannel(command);
    if ('invalid' in command) {
      // Answered as an MCP server answers a body that is not JSON-RPC: HTTP 400 with -32600.
      const json = invalidRequestError(command.answerId, command.invalid) as unknown as Record<string, unknown>;
      return plainAnswer(this.payload(command, 'jsonrpc_response', 400, { 'Content-Type': ['application/json'] }, json), 'error', 0);
    }
    if (this.stopping) {
      return this.failureAnswer(command, new TunnelFailureError('transport_closed', { kind: 'connection_closed' }), 0);
    }
    const mcpStart = performance.now();
    const ttl = connectionTtl(deadline, this.o.connectionMaxTtlMs ?? 0);
    try {
      return await this.answerCall(command, deadline, channel, ttl, mcpStart);
    } finally {
      ttl.dispose();
    }
  }

  /** Counted by command type only: the channel name comes from the control plane and is not bounded. */
  private unsupportedChannel(command: Accepted): Answer {
    this.o.logger.warn('command names a channel this tunnel does not serve: answering unsupported channel (400)', {
      request_id: command.request_id,
      channel: command.channel,
    });
    this.o.metrics.unsupportedChannel.inc({ command_type: command.command_type });
    const { type, status, headers, json } = unsupportedChannelAnswer(command);
    return plainAnswer(this.payload(command, type, status, headers, json), 'error', 0);
  }

  /** The answer when the connection TTL ended a request: a timeout failure, as for any MCP server that did not answer in time. */
  private ttlAnswer(command: PolledCommand, ttl: ConnectionTtl, mcpMs: number): Answer {
    this.o.logger.warn(`the MCP request ran past mcp.connectionMaxTtl (${formatMs(ttl.ttlMs)}) and was ended`, { request_id: command.request_id });
    return this.failureAnswer(command, new TunnelFailureError('timeout', { kind: 'timeout' }), mcpMs);
  }

  private async answerCall(command: PolledCommand, deadline: Deadline, channel: McpChannel, ttl: ConnectionTtl, mcpStart: number): Promise<Answer> {
    if (command.command_type === 'session_termination') {
      return this.exchange(
        command,
        deadline,
        ttl,
        mcpStart,
        async () => {
          const result = await channel.terminateSession(command.headers, ttl.signal);
          return plainAnswer(this.payload(command, 'session_termination_response', result.status, result.headers), 'ok', 0);
        },
        (err, mcpMs) => {
          const failure = err instanceof TunnelFailureError ? err : new TunnelFailureError('client_internal', { kind: 'unknown' });
          return { ...this.failureAnswer(command, failure, mcpMs), payload: this.payload(command, 'session_termination_response', 502, {}) };
        },
      );
    }

    if (command.command_type === 'oauth_discovery') return this.answerOAuthDiscovery(command, deadline, channel, ttl, mcpStart);
    if (command.command_type === 'session_stream') return this.answerStream(command, deadline, channel, ttl, mcpStart);

    const notes = this.notifier(command, deadline);
    const onNotify = notes.onNotify;
    let answer: Answer;
    const meter: ByteMeter = { sent: 0, received: 0 };
    try {
      const outcome = await channel.call({ message: command.jsonrpc, headers: command.headers, signal: ttl.signal, onNotify, meter });
      const mcpMs = performance.now() - mcpStart;
      if (outcome.kind === 'ack') {
        answer = { payload: this.payload(command, 'notify_ack', outcome.status, outcome.headers), outcome: 'ok', notifications: notes.captured, notificationCount: notes.count, mcpMs };
      } else {
        answer = {
          payload: this.payload(command, 'jsonrpc_response', outcome.status, outcome.headers, outcome.json),
          outcome: answerOutcome(outcome.json),
          notifications: notes.captured,
          notificationCount: notes.count,
          mcpMs,
        };
      }
    } catch (err) {
      const mcpMs = performance.now() - mcpStart;
      if (ttl.reached()) {
        answer = { ...this.ttlAnswer(command, ttl, mcpMs), notifications: notes.captured, notificationCount: notes.count };
      } else if (deadline.signal.aborted || err instanceof DeadlineExceededError) {
        answer = { ...blankAnswer(deadline.expired ? 'expired' : 'cancelled'), notifications: notes.captured, notificationCount: notes.count, mcpMs };
      } else {
        const failure = err instanceof TunnelFailureError ? err : new TunnelFailureError('client_internal', { kind: 'unknown' });
        if (!(err instanceof TunnelFailureError)) this.o.logger.error(`MCP call failed unexpectedly: ${(err as Error).message}`, { request_id: command.request_id });
        answer = { ...this.failureAnswer(command, failure, mcpMs), notifications: notes.captured, notificationCount: notes.count };
      }
    }
    const pending = notes.settled();
    if (pending) await pending;
    answer.meter = meter;
    return answer;
  }

  /**
   * Posts a command's intermediate messages as `jsonrpc_notify`, in order,
   * each before the terminal answer (`settled` resolves when the last one is
   * done). A lost one skips the rest, never the terminal answer.
   */
  private notifier(command: PolledCommand, deadline: Deadline): Notifier {
    return new Notifier(this.o.trace.capturePayloads, (message) => this.payload(command, 'jsonrpc_notify', 200, {}, message as unknown as Record<string, unknown>), (payload) =>
      deadline.signal.aborted ? Promise.resolve<PostOutcome>('cancelled') : this.o.poster.postNotify(payload, command.shard_token, deadline.signal),
    );
  }

  /**
   * A session stream (the relay holds a client's standalone `GET` open): the
   * channel's messages outside any call are posted as they come until shortly
   * before the deadline (at most STREAM_MAX_MS), then a `notify_ack` 200 says
   * the time is up; the relay sends the next one while its client stays.
   */
  private async answerStream(command: SessionStreamCommand, deadline: Deadline, channel: McpChannel, ttl: ConnectionTtl, mcpStart: number): Promise<Answer> {
    if (!channel.openStream) return plainAnswer(this.payload(command, 'notify_ack', 405, {}), 'error', 0);
    if (this.streams > MAX_SESSION_STREAMS) {
      this.o.logger.warn(`more than ${MAX_SESSION_STREAMS} session streams are open; refusing another (429)`, { request_id: command.request_id });
      return plainAnswer(this.payload(command, 'notify_ack', 429, {}), 'error', 0);
    }
    const notes = this.notifier(command, deadline);
    const end = new AbortController();
    const remaining = deadline.remainingMs();
    const ms = Math.min(STREAM_MAX_MS, Math.max(0, remaining - Math.min(STREAM_END_MARGIN_MS, remaining / 10)));
    const timer = setTimeout(() => end.abort(), ms);
    const stop = () => end.abort();
    ttl.signal.addEventListener('abort', stop, { once: true });
    this.streamStop.signal.addEventListener('abort', stop, { once: true });
    let answer: Answer;
    try {
      const result = await channel.openStream({ headers: command.headers, signal: end.signal, onNotify: notes.onNotify });
      answer = {
        payload: this.payload(command, 'notify_ack', result.status, result.headers),
        outcome: result.status < 300 ? 'ok' : 'error',
        notifications: notes.captured,
        notificationCount: notes.count,
        mcpMs: performance.now() - mcpStart,
      };
    } catch (err) {
      const mcpMs = performance.now() - mcpStart;
      const failure = err instanceof TunnelFailureError ? err : new TunnelFailureError('client_internal', { kind: 'unknown' });
      answer = deadline.signal.aborted ? blankAnswer(deadline.expired ? 'expired' : 'cancelled') : { ...this.failureAnswer(command, failure, mcpMs), notifications: notes.captured, notificationCount: notes.count };
    } finally {
      clearTimeout(timer);
      ttl.signal.removeEventListener('abort', stop);
      this.streamStop.signal.removeEventListener('abort', stop);
    }
    const pending = notes.settled();
    if (pending) await pending;
    return answer;
  }

  /**
   * OAuth discovery runs on the main channel's Streamable HTTP server only, as
   * in the reference daemon; elsewhere it is refused as an unsupported channel.
   * The channel always produces an answer (the metadata or an error body).
   */
  private async answerOAuthDiscovery(command: OAuthDiscoveryCommand, deadline: Deadline, channel: McpChannel, ttl: ConnectionTtl, mcpStart: number): Promise<Answer> {
    if (channelRoute(command.channel) !== DEFAULT_CHANNEL || !channel.oauthDiscovery) {
      this.o.logger.warn('OAuth discovery asked of a channel that is not the main Streamable HTTP server: answering unsupported channel (400)', {
        request_id: command.request_id,
        channel: command.channel,
      });
      this.o.metrics.unsupportedChannel.inc({ command_type: command.command_type });
      const { type, status, headers, json } = oauthDiscoveryRefusal(command.channel);
      return plainAnswer(this.payload(command, type, status, headers, json), 'error', 0);
    }
    const discover = channel.oauthDiscovery.bind(channel);
    return this.exchange(
      command,
      deadline,
      ttl,
      mcpStart,
      async () => {
        const result = await discover(ttl.signal);
        const ok = result.status >= 200 && result.status < 300;
        const json = ok && this.o.rewriteDiscovery ? this.o.rewriteDiscovery(result.json) : result.json;
        return plainAnswer(this.payload(command, 'oauth_discovery_response', result.status, result.headers, json), ok ? 'ok' : 'error', 0);
      },
      (err) => {
        throw err;
      },
    );
  }

  /**
   * One request and one answer with no server messages in between (a session
   * close, an OAuth discovery): timed as MCP work, ended by the connection TTL
   * or the deadline like a call, any other error handed to `failed`.
   */
  private async exchange(
    command: PolledCommand,
    deadline: Deadline,
    ttl: ConnectionTtl,
    mcpStart: number,
    run: () => Promise<Answer>,
    failed: (err: unknown, mcpMs: number) => Answer,
  ): Promise<Answer> {
    try {
      const answer = await run();
      answer.mcpMs = performance.now() - mcpStart;
      return answer;
    } catch (err) {
      const mcpMs = performance.now() - mcpStart;
      if (ttl.reached()) return this.ttlAnswer(command, ttl, mcpMs);
      if (deadline.signal.aborted || err instanceof DeadlineExceededError) return blankAnswer(deadline.expired ? 'expired' : 'cancelled');
      return failed(err, mcpMs);
    }
  }

  /**
   * A synthesized failure, in the terminal type the command expects: a JSON-RPC
   * error for a request; for a notification or a client response, a
   * `notify_ack` with the failure's status and no body; for a session
   * termination, a `session_termination_response` with that status.
   */
  private failureAnswer(command: Accepted, failure: TunnelFailureError, mcpMs: number): Answer {
    const request = command.command_type === 'jsonrpc' && !('invalid' in command) && isRequest(command.jsonrpc);
    const { resp_json, resp_code } = synthesizeFailure(request ? (command.jsonrpc as JsonRpcRequest).id : null, failure.failure);
    this.o.logger.warn(`answering with a tunnel failure (${failure.failure.source}${failure.failure.transport_error_kind ? '/' + failure.failure.transport_error_kind : ''})`, {
      request_id: command.request_id,
    });
    const payload = request
      ? this.payload(command, 'jsonrpc_response', resp_code, { ...failure.headers, 'Content-Type': ['application/json'] }, resp_json)
      : command.command_type === 'oauth_discovery'
        ? this.payload(command, 'oauth_discovery_response', resp_code, {}, oauthDiscoveryError((resp_json.error as { message: string }).message))
        : this.payload(command, command.command_type === 'session_termination' ? 'session_termination_response' : 'notify_ack', resp_code, { ...failure.headers });
    return plainAnswer(payload, 'failure', mcpMs);
  }

  private payload(command: Accepted, type: ResponseType, code: number, headers: Headers, json?: Record<string, unknown>): TunnelResponsePayload {
    const payload: TunnelResponsePayload = { request_id: command.request_id, channel: command.channel, resp_headers: headers, resp_code: code, resp_type: type };
    if (json !== undefined) payload.resp_json = json;
    return payload;
  }

  private finish(job: Job, startedAt: number, answer: Answer, postMs: number, postOutcome: PostOutcome | undefined): void {
    const { command } = job;
    const now = performance.now();
    const message: Record<string, unknown> | undefined = command.command_type === 'jsonrpc' ? (command.jsonrpc as unknown as Record<string, unknown>) : undefined;
    const method = typeof message?.method === 'string' ? message.method : undefined;
    const durationMs = now - job.receivedAt;
    const type = command.command_type;
    this.o.metrics.recordCommand(type, methodLabel(method ?? (type === 'jsonrpc' ? undefined : type)), answer.outcome, durationMs / 1000);
    const payload = answer.payload;
    const route = channelRoute(command.channel);
    if (postOutcome === 'ok' && payload && this.o.channels.has(route)) {
      // request_kind as the reference labels it: call, notification, session_termination, oauth_discovery.
      const kind = type !== 'jsonrpc' ? type : 'invalid' in command || isRequest(message) ? 'call' : 'notification';
      this.o.metrics.recordDelivered(kind, method === undefined ? undefined : methodLabel(method), route, payload.resp_code, durationMs, Date.now() - job.createdWall);
    }
    const entry = describeExchange({
      seq: this.o.trace.nextSeq(),
      requestId: command.request_id,
      channel: command.channel,
      commandType: type,
      receivedAt: job.receivedWall,
      message,
      headers: command.headers,
      phases: { queuedMs: Math.max(0, startedAt - job.receivedAt), mcpMs: answer.mcpMs, postMs },
      durationMs,
      outcome: answer.outcome,
      respCode: postOutcome ? payload?.resp_code : undefined,
      respHeaders: payload?.resp_headers,
      response: payload?.resp_json ?? undefined,
      meter: answer.meter,
      notifications: answer.notificationCount,
      captured: this.o.trace.capturePayloads ? { notifications: answer.notifications } : undefined,
    });
    this.o.onTrace(this.o.trace.add(entry));
  }

  /** Stops taking new MCP work: queued commands are answered as failures rather than run. */
  beginStop(): void {
    this.stopping = true;
    this.streamStop.abort();
  }

  /** Resolves true once every accepted command finished, false after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.accepted === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Cancels everything still running (last step of a stop). */
  abortAll(): void {
    this.hardStopped = true;
    for (const deadline of this.open) deadline.cancel();
  }
}

/**
 * One command's intermediate messages. Most calls have none, so nothing is
 * chained or kept until the first one arrives.
 */
const NONE: unknown[] = [];

class Notifier {
  count = 0;
  private readonly list: unknown[] | undefined;
  private chain: Promise<void> | undefined;
  private broken = false;

  constructor(
    capture: boolean,
    private readonly toPayload: (message: JsonRpcMessage) => TunnelResponsePayload,
    private readonly post: (payload: TunnelResponsePayload) => Promise<PostOutcome>,
  ) {
    if (capture) this.list = [];
  }

  /** The messages kept for the trace (capture on). */
  get captured(): unknown[] {
    return this.list ?? NONE;
  }

  readonly onNotify = (message: JsonRpcMessage): void => {
    this.count++;
    this.list?.push(message);
    if (this.broken) return;
    const payload = this.toPayload(message);
    this.chain = (this.chain ?? Promise.resolve()).then(async () => {
      if (this.broken) return;
      const outcome = await this.post(payload);
      if (outcome !== 'ok') this.broken = true;
    });
  };

  /** Resolves when every message posted so far is done. */
  settled(): Promise<void> | undefined {
    return this.chain;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function blankAnswer(outcome: TraceOutcome): Answer {
  return plainAnswer(undefined, outcome, 0);
}

/** An answer with no server messages before it. */
function plainAnswer(payload: TunnelResponsePayload | undefined, outcome: TraceOutcome, mcpMs: number): Answer {
  return { payload, outcome, notifications: [], notificationCount: 0, mcpMs };
}
