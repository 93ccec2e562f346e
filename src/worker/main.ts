/**
 * Entry point of a tunnel worker: forked by the extension host (one per
 * running profile), it runs one TunnelEngine and reports over IPC.
 */
import { TunnelEngine } from '../engine/engine';
import { IPC_VERSION, parseHostMessage, type HostMessage, type WorkerMessage } from './ipc';

let engine: TunnelEngine | undefined;

function send(message: WorkerMessage): void {
  if (process.connected) process.send!(message);
}

/** Sends a last message, then exits: exit() right after a plain send() can drop the message. */
function sendThenExit(message: WorkerMessage, code: number): void {
  if (!process.connected) process.exit(code);
  setTimeout(() => process.exit(code), 1000);
  process.send!(message, () => process.exit(code));
}

async function handle(message: HostMessage): Promise<void> {
  switch (message.type) {
    case 'start': {
      if (engine) return;
      if (message.version !== IPC_VERSION) {
        sendThenExit({ type: 'fatal', message: `worker speaks IPC version ${IPC_VERSION}, host sent ${message.version}: reinstall the extension` }, 2);
        return;
      }
      try {
        // Inside the try: a config the engine rejects must arrive as 'fatal', not as an unhandled rejection.
        engine = new TunnelEngine(message.config, { metricsIntervalMs: message.metricsIntervalMs ?? 1000 });
        engine.on('state', (status) => send({ type: 'state', status }));
        engine.on('trace', (entry) => send({ type: 'trace', entry }));
        engine.on('metrics', (snapshot) => send({ type: 'metrics', snapshot }));
        engine.on('log', (record) => send({ type: 'log', record }));
        engine.on('mcpStderr', (channel, line) => send({ type: 'mcpStderr', channel, line }));
        await engine.start();
        send({ type: 'started', healthUrl: engine.healthUrl, pid: process.pid });
      } catch (err) {
        const fatal = (err as Error).message;
        await engine?.stop().catch(() => undefined);
        sendThenExit({ type: 'fatal', message: fatal }, 2);
      }
      return;
    }
    case 'stop':
      await shutdown();
      return;
    case 'setLogLevel':
      engine?.setLogLevel(message.level);
      return;
    case 'setCapturePayloads':
      engine?.setCapturePayloads(message.on);
      return;
    case 'call': {
      if (!engine) {
        send({ type: 'callResult', id: message.id, error: 'the tunnel is not running' });
        return;
      }
      try {
        const { outcome, traceSeq } = await engine.callLocal(message.message, message.headers);
        send({ type: 'callResult', id: message.id, outcome, traceSeq });
      } catch (err) {
        send({ type: 'callResult', id: message.id, error: (err as Error).message });
      }
      return;
    }
  }
}

let stopping: Promise<void> | undefined;
function shutdown(): Promise<void> {
  stopping ??= (async () => {
    await engine?.stop().catch(() => undefined);
    send({ type: 'stopped' });
    process.exit(0);
  })();
  return stopping;
}

process.on('message', (data) => {
  const message = parseHostMessage(data);
  if (message) void handle(message);
  else if (!engine && (data as { type?: unknown } | null)?.type === 'start') {
    // A start the worker cannot read would otherwise leave the host waiting for 'started'.
    sendThenExit({ type: 'fatal', message: `the tunnel worker (IPC version ${IPC_VERSION}) cannot read the start message it was sent: reinstall the extension` }, 2);
  }
});
// Losing the host means nobody can stop us: stop on our own.
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
