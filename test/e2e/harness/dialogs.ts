/**
 * Modal dialogs: what showInformationMessage(..., { modal: true }) and a
 * command that throws from the palette put on screen, and answering them.
 */
import type { Page } from 'playwright-core';

export interface DialogInfo {
  message: string;
  detail: string;
  buttons: string[];
}

/** The modal dialog on screen, if any. A command run from the palette that throws shows one. */
export async function dialog(page: Page): Promise<DialogInfo | undefined> {
  const box = page.locator('.monaco-dialog-box');
  if (!(await box.isVisible())) return undefined;
  const text = async (selector: string) => ((await box.locator(selector).first().textContent().catch(() => '')) ?? '').trim();
  return {
    message: await text('.dialog-message-text'),
    detail: await text('.dialog-message-detail'),
    buttons: (await box.locator('.dialog-buttons .monaco-button').allTextContents()).map((b) => b.trim()),
  };
}

/** Waits for a modal dialog and returns what it says. */
export async function waitForDialog(page: Page, timeout = 15_000): Promise<DialogInfo> {
  await page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout });
  return (await dialog(page))!;
}

/** Presses a button of the modal dialog by its label, or closes it (Escape) without one. */
export async function answerDialog(page: Page, button?: string): Promise<void> {
  const box = page.locator('.monaco-dialog-box');
  if (button) await box.locator('.dialog-buttons .monaco-button', { hasText: button }).first().click();
  else await page.keyboard.press('Escape');
  await box.waitFor({ state: 'hidden', timeout: 5_000 });
}
