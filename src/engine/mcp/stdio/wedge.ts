/**
 * A child that is alive but no longer answers holds every session's calls
 * until their deadlines, and no exit ever tells the supervisor. While calls
 * wait and the child writes nothing, it is sent a `ping` (MCP servers answer
 * it while they work, so a slow tool is no fault); only a ping that goes
 * unanswered too gets the child restarted.
 */
import type { Logger } from '../../log';
import type { ServerProcess } from './serverProcess';
import type { IdMux } from './ids';
import type { WedgeProbe } from './options';
import type { Supervisor } from './supervisor';

export class WedgeWatch {
  private timer: NodeJS.Timeout | null = null;
  /** The child a `ping` is in flight to. */
  private probing: ServerProcess | null = null;

  constructor(
    private readonly probe: WedgeProbe | false,
    private readonly ids: IdMux,
    private readonly supervisor: Supervisor,
    /** Sends the channel's own `ping` to the child; settles with its answer, or fails at `signal`. */
    private readonly ping: (child: ServerProcess, signal: AbortSignal) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly channel: string,
  ) {}

  /** Checks now and then, while requests wait, that the child still answers. */
  watch(): void {
    if (!this.probe || this.timer) return;
    const period = Math.max(100, Math.floor(this.probe.afterMs / 4));
    this.timer = setInterval(() => this.check(), period);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A request has waited `afterMs` and the child wrote nothing meanwhile: ping it. */
  private check(): void {
    const probe = this.probe;
    const oldest = this.ids.oldestCall();
    if (!probe || !oldest) {
      this.stop();
      return;
    }
    const child = this.supervisor.readyChild();
    if (!child || child.fate === 'ended' || this.probing === child) return;
    const silentFor = Date.now() - Math.max(child.lastReadAt, oldest.sentAt);
    if (silentFor < probe.afterMs) return;
    this.probing = child;
    const waiting = this.ids.callsWaiting();
    const channel = this.channel;
    this.logger.warn(`MCP server has not answered for ${Math.round(silentFor / 1000)} s while ${waiting} request(s) wait; checking it with ping`, { channel, pid: child.pid });
    const settled = () => {
      if (this.probing === child) this.probing = null;
    };
    this.ping(child, AbortSignal.timeout(probe.timeoutMs)).then(
      () => {
        settled();
        child.lastReadAt = Date.now();
        this.logger.info('MCP server answered ping: it is slow, not stuck', { channel, pid: child.pid });
      },
      () => {
        settled();
        if (!this.supervisor.serves(child)) return;
        const seconds = Math.round(probe.timeoutMs / 1000);
        this.logger.error(`MCP server stopped answering: no reply to ping within ${seconds} s while ${waiting} request(s) waited; restarting it`, {
          channel,
          pid: child.pid,
        });
        this.supervisor.restart(child, `stopped answering (no reply to ping within ${seconds} s)`);
      },
    );
  }
}
