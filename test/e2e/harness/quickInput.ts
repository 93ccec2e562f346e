/**
 * The command palette and the quick input: running a command by its title,
 * and driving what showQuickPick / showInputBox put on screen.
 */
import type { Locator, Page } from 'playwright-core';
import { dialog } from './dialogs';
import { waitUntil } from './util';

const QUICK_INPUT = '.quick-input-widget';

/**
 * Runs a command from the palette by its title as the palette shows it
 * ("Category: Title"): F1, type, choose the entry (exact label, else the first
 * containing it). The palette does not refresh its list when a command is
 * registered while it is open, so it is reopened until the entry shows up.
 */
export async function runCommand(page: Page, title: string, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 20_000;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  const query = `>${title}`;
  let input: Locator | undefined;
  do {
    const blocking = await dialog(page);
    if (blocking) throw new Error(`runCommand('${title}'): a modal dialog is open: ${blocking.message} ${blocking.detail}`);
    try {
      input = await openQuickInput(page, 'F1', 5_000);
      // Short: the palette can close under us (a webview taking focus); the loop opens it again.
      await input.fill(query, { timeout: 3_000 });
      const row = await waitForQuickPickRow(page, title, 3_000);
      await row.click();
      break;
    } catch (err) {
      lastError = err;
      input = undefined;
      if (await page.locator(QUICK_INPUT).isVisible()) await page.keyboard.press('Escape');
    }
  } while (Date.now() < deadline);
  if (!input) throw new Error(`runCommand('${title}') failed: ${(lastError as Error)?.message}`);
  // The palette closes, or gives way to the command's own quick pick or input
  // box. Never retried from here on: the command may already be running.
  const done = await waitUntil(
    async () => !(await page.locator(QUICK_INPUT).isVisible()) || (await input!.inputValue().catch(() => '')) !== query,
    5_000,
    '',
    false,
  );
  if (!done) throw new Error(`runCommand('${title}'): the palette stayed open after choosing the command`);
}

async function openQuickInput(page: Page, key: string, timeout: number): Promise<Locator> {
  await page.keyboard.press(key);
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.waitFor({ state: 'visible', timeout });
  return input;
}

/** The row whose label is exactly `label`, else the first that contains it. */
async function waitForQuickPickRow(page: Page, label: string, timeout: number): Promise<Locator> {
  const rows = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`);
  let found: Locator | undefined;
  await waitUntil(async () => {
    const labels = await quickPickLabels(rows).catch((): string[] => []);
    let index = labels.findIndex((l) => l === label);
    if (index < 0) index = labels.findIndex((l) => l.toLowerCase().includes(label.toLowerCase()));
    if (index >= 0) found = rows.nth(index);
    return index >= 0;
  }, timeout, `quick pick entry '${label}'`);
  return found!;
}

/** Labels of quick pick rows, without keybindings or descriptions. */
function quickPickLabels(rows: Locator): Promise<string[]> {
  // Runs in the page: it may not call anything defined in this file.
  return rows.evaluateAll(
    (els) =>
      els.map((el: any) => {
        const label = el.querySelector('.quick-input-list-label .label-name') ?? el.querySelector('.label-name');
        return String(label?.textContent ?? el.getAttribute('aria-label') ?? '').trim();
      }),
    undefined,
  );
}

export interface QuickPickDriver {
  /** Waits until the quick input (pick or input box) is open. */
  waitOpen(timeout?: number): Promise<void>;
  /** Labels of the visible items. */
  items(): Promise<string[]>;
  /** Chooses the item labelled `label` (exact, else first containing it). */
  pick(label: string, timeout?: number): Promise<void>;
  /** Types `value` into the input box and accepts it; `password: true` asserts the box masks input. */
  fill(value: string, options?: { password?: boolean; accept?: boolean }): Promise<void>;
  /** Presses Enter: accepts the input, or the checked items of a canPickMany pick. */
  accept(): Promise<void>;
  /** Title, placeholder, and prompt or validation message currently shown. */
  texts(): Promise<{ title: string; placeholder: string; message: string }>;
  /**
   * Waits until the title, placeholder or message shows `text`: the way to
   * know that the next quick input of a flow has replaced the previous one.
   */
  waitFor(text: string | RegExp, timeout?: number): Promise<void>;
  cancel(): Promise<void>;
}

/** Drives the quick input shown by showQuickPick / showInputBox. */
export function quickPick(page: Page): QuickPickDriver {
  const widget = page.locator(QUICK_INPUT);
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  const driver: QuickPickDriver = {
    async waitOpen(timeout = 15_000) {
      await input.waitFor({ state: 'visible', timeout });
    },
    async items() {
      await driver.waitOpen();
      return quickPickLabels(page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row`));
    },
    async pick(label, timeout = 15_000) {
      await driver.waitOpen(timeout);
      const row = await waitForQuickPickRow(page, label, timeout);
      await row.click();
    },
    async fill(value, opts = {}) {
      await driver.waitOpen();
      if (opts.password !== undefined) {
        const type = await input.getAttribute('type');
        if ((type === 'password') !== opts.password) {
          throw new Error(`expected ${opts.password ? 'a password' : 'a plain'} input box, got type=${type}`);
        }
      }
      await input.fill(value);
      if (opts.accept !== false) await input.press('Enter');
    },
    async accept() {
      await input.press('Enter');
    },
    async texts() {
      const text = async (selector: string) => {
        const l = widget.locator(selector).first();
        return (await l.count()) ? ((await l.textContent()) ?? '').trim() : '';
      };
      return {
        title: await text('.quick-input-title'),
        placeholder: (await input.getAttribute('placeholder')) ?? '',
        message: await text('.quick-input-message'),
      };
    },
    async waitFor(text, timeout = 15_000) {
      let seen = { title: '', placeholder: '', message: '' };
      const shows = (t: string) => (typeof text === 'string' ? t.includes(text) : text.test(t));
      const found = await waitUntil(async () => {
        if (!(await input.isVisible())) return false;
        seen = await driver.texts();
        return [seen.title, seen.placeholder, seen.message].some(shows);
      }, timeout, '', false);
      if (!found) throw new Error(`the quick input never showed ${text}; last seen: ${JSON.stringify(seen)}`);
    },
    async cancel() {
      await page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden', timeout: 5_000 });
    },
  };
  return driver;
}
