/**
 * The web UI of `mcp-tunnel run`: its switches (the profile's admin_ui
 * section: `--allow-remote-ui` / ALLOW_REMOTE_UI, `--open-web-ui` /
 * OPEN_WEB_UI, `--admin-ui.log-buffer-events`), the log ring it reads, the
 * startup line with its ready-to-open URL (the only place the token is
 * logged), the `<health URL file>.ui` file (mode 0600) holding that URL, and
 * opening a browser on request.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TunnelEngine } from '../engine/engine';
import type { Logger } from '../engine/log';
import { expandHome } from '../profiles/secrets';
import { DaemonDashboard } from './daemonDashboard';
import { daemonBundle, type RunConfiguration } from './exportBundle';
import { LogRing } from './logRing';
import { WebUiServer } from './server';

export interface WebUiSwitches {
  allowRemote: boolean;
  open: boolean;
  /** How many log records the ring keeps (admin_ui.log_buffer_events). */
  logBufferEvents?: number;
}

/** The profile's admin_ui section (flags --allow-remote-ui, --open-web-ui; ALLOW_REMOTE_UI, OPEN_WEB_UI) as the web UI uses it. */
export function webUiSwitches(adminUi: { allowRemote: boolean; openBrowser: boolean; logBufferEvents: number }): WebUiSwitches {
  return { allowRemote: adminUi.allowRemote, open: adminUi.openBrowser, logBufferEvents: adminUi.logBufferEvents };
}

/** The file beside the health URL file that holds the web UI's URL with its token. */
export function webUiUrlFile(healthUrlFile: string): string {
  return `${expandHome(healthUrlFile)}.ui`;
}

export class DaemonWebUi {
  readonly logs: LogRing;
  readonly server: WebUiServer;
  private dashboard: DaemonDashboard | undefined;
  private engine: TunnelEngine | undefined;
  private readonly written: string[] = [];

  constructor(
    private readonly logger: Logger,
    switches: WebUiSwitches,
    private readonly healthUrlFile: string | undefined,
    title: string,
    run: RunConfiguration,
  ) {
    // Records are kept from the first line on; the token never stays in them.
    this.logs = new LogRing(() => [this.server.token], switches.logBufferEvents);
    logger.addSink((record) => this.logs.push(record));
    const webLogger = logger.child('web-ui');
    this.server = new WebUiServer({
      logs: this.logs,
      logger: webLogger,
      allowRemote: switches.allowRemote,
      assetsDir: path.join(__dirname, 'webview'),
      codiconsDir: path.join(__dirname, 'codicons'),
      title,
      exportBundle: (minutes) => {
        if (!this.engine) throw new Error('the web UI has no engine attached');
        return daemonBundle(this.engine, this.logs, logger, run, minutes);
      },
      onBound: async (url) => {
        if (!url) return;
        // The one line that shows the token; from here on the logger redacts it.
        webLogger.log('info', 'web UI ready: open this URL (it holds this process\'s token)', { url }, ['url']);
        logger.addSecret(this.server.token);
        if (this.healthUrlFile) await this.writeUrlFile(webUiUrlFile(this.healthUrlFile), `${url}\n`);
        if (switches.open) await this.open(url, webLogger);
      },
    });
  }

  /** Ties the UI to the engine; call before the engine starts. */
  attach(engine: TunnelEngine, profile: string): void {
    this.engine = engine;
    this.dashboard = new DaemonDashboard(engine, this.logs, profile);
    this.server.attach(this.dashboard);
  }

  async close(): Promise<void> {
    this.dashboard?.close();
    await Promise.all(this.written.map((f) => fs.rm(f, { force: true })));
  }

  private async writeUrlFile(file: string, text: string): Promise<void> {
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, { mode: 0o600 });
    await fs.rename(tmp, file);
    this.written.push(file);
  }

  /**
   * Opens the URL in the desktop's browser (xdg-open, no shell). The token
   * stays out of argv: the browser opens a private local page (mode 0600)
   * that forwards to the URL.
   */
  private async open(url: string, logger: Logger): Promise<void> {
    const page = path.join(os.tmpdir(), `mcp-tunnel-ui-${process.pid}.html`);
    const target = JSON.stringify(url).replace(/</g, '\\u003c');
    try {
      await fs.writeFile(page, `<!DOCTYPE html><meta charset="utf-8"><title>MCP Tunnel</title><script>location.replace(${target})</script>\n`, { mode: 0o600 });
      this.written.push(page);
    } catch (err) {
      logger.warn(`--open-web-ui: could not write ${page} (${(err as Error).message}); open the URL above by hand`);
      return;
    }
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    try {
      const child = spawn(opener, [page], { stdio: 'ignore', detached: true, shell: false });
      child.on('error', (err) => logger.warn(`--open-web-ui: could not run ${opener} (${err.message}); open the URL above by hand`));
      child.on('exit', (code) => {
        if (code) logger.warn(`--open-web-ui: ${opener} exited with code ${code}; open the URL above by hand`);
      });
      child.unref();
    } catch (err) {
      logger.warn(`--open-web-ui: could not run ${opener} (${(err as Error).message}); open the URL above by hand`);
    }
  }
}
