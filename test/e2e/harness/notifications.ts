/**
 * Notification toasts: reading them (message, severity, source, buttons),
 * waiting for one, pressing its buttons and clearing them.
 */
import type { Page } from 'playwright-core';
import { dialog } from './dialogs';
import { runCommand } from './quickInput';
import { waitUntil } from './util';

const TOAST = '.notifications-toasts .notification-toast';

/**
 * Messages of the notification toasts on screen, newest first. Toasts hide
 * themselves after a while; the notification center keeps them (not read here).
 */
export async function notifications(page: Page): Promise<string[]> {
  return (await page.locator(`${TOAST} .notification-list-item-message`).allTextContents()).map((m) => m.trim());
}

export interface NotificationInfo {
  message: string;
  severity: 'info' | 'warning' | 'error' | 'unknown';
  /** "Source: <extension display name>", as VS Code shows it */
  source: string;
  buttons: string[];
}

/** The toasts on screen with severity, source and action buttons, newest first. */
export async function notificationDetails(page: Page): Promise<NotificationInfo[]> {
  return page.locator(TOAST).evaluateAll(
    (els) =>
      els.map((el: any) => {
        const icon = String(el.querySelector('.notification-list-item-icon')?.className ?? '');
        return {
          message: String(el.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
          severity: /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning' : /codicon-info/.test(icon) ? 'info' : 'unknown',
          source: String(el.querySelector('.notification-list-item-source')?.textContent ?? '').trim(),
          buttons: Array.from(el.querySelectorAll('.notification-list-item-buttons-container .monaco-button')).map((b: any) =>
            String(b.textContent ?? '').trim(),
          ),
        };
      }),
    undefined,
  ) as Promise<NotificationInfo[]>;
}

/** Clicks an action button (showInformationMessage(msg, ...items)) of the toast whose message contains `message`. */
export async function clickNotificationButton(page: Page, message: string | RegExp, button: string): Promise<void> {
  const toast = page.locator(TOAST).filter({ has: page.locator('.notification-list-item-message', { hasText: message }) });
  await toast
    .first()
    .locator('.notification-list-item-buttons-container .monaco-button', { hasText: button })
    .first()
    .click({ timeout: 10_000 });
}

/** Waits for a toast whose message contains `text` (or matches it) and returns its message. */
export async function waitForNotification(page: Page, text: string | RegExp, timeout = 15_000): Promise<string> {
  let match: string | undefined;
  let seen: string[] = [];
  const found = await waitUntil(async () => {
    seen = await notifications(page);
    match = seen.find((m) => (typeof text === 'string' ? m.includes(text) : text.test(m)));
    return match !== undefined;
  }, timeout, '', false);
  if (!found) {
    const modal = await dialog(page);
    throw new Error(
      `no notification ${text} within ${timeout} ms; on screen: ${JSON.stringify(seen)}` +
        (modal ? `; modal dialog: ${modal.message} ${modal.detail}` : ''),
    );
  }
  return match!;
}

/** Dismisses every notification toast (its clear button shows on hover). */
export async function clearNotifications(page: Page): Promise<void> {
  const toasts = page.locator(TOAST);
  for (let i = 0; i < 20 && (await toasts.count()); i++) {
    const toast = toasts.first();
    try {
      await toast.hover({ timeout: 2_000 });
      await toast.locator('.codicon-notifications-clear').click({ timeout: 2_000 });
    } catch {
      await runCommand(page, 'Notifications: Clear All Notifications');
      return;
    }
  }
}
