/**
 * The events of an MCP channel, typed, with listeners that cannot break the
 * channel: one that throws is logged and the channel's own bookkeeping goes on.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log';
import type { ChannelEvents } from './channel';

export class ChannelEventHub {
  private readonly events = new EventEmitter();

  constructor(
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  on<E extends keyof ChannelEvents>(event: E, listener: ChannelEvents[E]): void {
    this.events.on(event, listener as (...args: unknown[]) => void);
  }

  emit<E extends keyof ChannelEvents>(event: E, ...args: Parameters<ChannelEvents[E]>): void {
    try {
      this.events.emit(event, ...args);
    } catch (err) {
      this.logger.warn(`a "${event}" listener of the MCP channel threw`, { channel: this.channel, error: (err as Error)?.name });
    }
  }
}
