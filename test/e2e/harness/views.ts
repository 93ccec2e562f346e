/**
 * What views show: tree rows and their inline actions, a view's welcome
 * content, the webview on screen and the status bar items.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { escapeRegExp, waitUntil } from './util';

export interface TreeRow {
  label: string;
  description: string;
  /** The row's aria-label (VS Code uses the item's tooltip/accessibility label or "label description"). */
  ariaLabel: string;
  /** undefined for leaves */
  expanded: boolean | undefined;
  level: number;
}

/**
 * The tree of a view, by the view's name. VS Code labels a tree view's list
 * (role=tree) with the view's name, also when the view is alone in its
 * container and its own header is hidden.
 */
export function viewTree(page: Page, viewTitle: string): Locator {
  return page.locator(`.monaco-list[role="tree"][aria-label=${JSON.stringify(viewTitle)}]`).first();
}

/**
 * The pane of a view in the side bar or panel, by the view's name. Its header
 * is labelled "<name> Section" (hidden, but there, when the view is alone).
 */
export function viewPane(page: Page, viewTitle: string): Locator {
  return page
    .locator('.pane')
    .filter({ has: page.locator(`.pane-header[aria-label=${JSON.stringify(`${viewTitle} Section`)}]`) })
    .first();
}

/** The welcome content (viewsWelcome) a view shows instead of an empty tree, if it shows one. */
export async function viewWelcome(page: Page, viewTitle: string): Promise<{ text: string; buttons: string[] } | undefined> {
  const content = viewPane(page, viewTitle).locator('.pane-body.welcome .welcome-view-content');
  if (!(await content.count()) || !(await content.first().isVisible())) return undefined;
  return {
    text: ((await content.first().locator('p').allTextContents()).map((t) => t.trim())).join('\n'),
    buttons: (await content.first().locator('.monaco-button').allTextContents()).map((b) => b.trim()),
  };
}

/**
 * Rows of a view's tree as rendered now (only rows scrolled into view exist
 * in the DOM); [] when the view shows its welcome content instead. The view
 * must have been opened (e.g. runCommand(page, 'View: Show <Container>')).
 */
export async function treeRows(page: Page, viewTitle: string, timeout = 15_000): Promise<TreeRow[]> {
  const tree = viewTree(page, viewTitle);
  const welcome = viewPane(page, viewTitle).locator('.pane-body.welcome .welcome-view-content');
  let showsWelcome = false;
  await waitUntil(async () => {
    showsWelcome = await welcome.first().isVisible();
    return showsWelcome || (await tree.isVisible());
  }, timeout, `the view '${viewTitle}' to show (open its container first)`);
  if (showsWelcome) return [];
  // Runs in the page: no named inner functions (tsx would wrap them in a __name helper the page lacks).
  const rows: TreeRow[] = await tree.locator('.monaco-list-row').evaluateAll(
    (els) =>
      els.map((el: any) => ({
        label: String(el.querySelector('.label-name')?.textContent ?? '').trim(),
        description: String(el.querySelector('.label-description')?.textContent ?? '').trim(),
        ariaLabel: String(el.getAttribute('aria-label') ?? ''),
        expanded: el.hasAttribute('aria-expanded') ? el.getAttribute('aria-expanded') === 'true' : undefined,
        level: Number(el.getAttribute('aria-level') ?? '1'),
        top: parseFloat(el.style.top || '0'),
      })),
    undefined,
  );
  // The list recycles row elements: DOM order is not screen order.
  return (rows as (TreeRow & { top: number })[])
    .sort((a, b) => a.top - b.top)
    .map(({ top: _top, ...row }) => row);
}

/** "label description" of every rendered row of a view's tree, indented two spaces per level. */
export async function treeRowText(page: Page, viewTitle: string, timeout?: number): Promise<string[]> {
  return (await treeRows(page, viewTitle, timeout)).map(
    (r) => `${'  '.repeat(r.level - 1)}${r.label}${r.description ? ` ${r.description}` : ''}`,
  );
}

/** The row of a view's tree whose label is exactly `label`. */
export function treeRow(page: Page, viewTitle: string, label: string): Locator {
  const exact = new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`);
  return viewTree(page, viewTitle)
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
}

/** Expands a collapsed row and waits until it reports itself expanded. */
export async function expandTreeRow(page: Page, viewTitle: string, label: string): Promise<void> {
  const row = treeRow(page, viewTitle, label);
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  if ((await row.getAttribute('aria-expanded')) === 'false') {
    await row.locator('.monaco-tl-twistie').click();
  }
  await waitUntil(async () => (await row.getAttribute('aria-expanded')) === 'true', 10_000, `'${label}' to expand`);
}

/** Clicks an inline action (the icon buttons shown on hover or selection) of a row, by the action's title. */
export async function clickTreeInlineAction(page: Page, viewTitle: string, label: string, actionTitle: string): Promise<void> {
  const row = treeRow(page, viewTitle, label);
  await row.hover();
  await row.locator(`.actions .action-label[aria-label=${JSON.stringify(actionTitle)}]`).first().click();
}

/**
 * The content of the webview on screen (the newest, if several are visible):
 * VS Code nests it as iframe.webview.ready > #active-frame. Locate elements
 * inside with the returned FrameLocator, e.g. `.locator('h1')`.
 */
export function webview(page: Page): FrameLocator {
  return page
    .locator('iframe.webview.ready')
    .filter({ visible: true })
    .last()
    .contentFrame()
    .locator('#active-frame')
    .contentFrame();
}

export interface StatusBarItem {
  /** Element id: "<extension id>.<item id>" for window.createStatusBarItem(id, ...), "status.*" for VS Code's own */
  id: string;
  text: string;
  ariaLabel: string;
}

/**
 * Items of the status bar. With `trust: false` VS Code shows
 * `status.workspaceTrust` ("Restricted Mode: ...").
 */
export async function statusBarItems(page: Page): Promise<StatusBarItem[]> {
  return page.locator('.part.statusbar .statusbar-item').evaluateAll(
    (els) =>
      els.map((el: any) => ({
        id: String(el.id ?? ''),
        text: String(el.textContent ?? '').trim(),
        ariaLabel: String(el.getAttribute('aria-label') ?? ''),
      })),
    undefined,
  );
}
