/**
 * Just enough of a DOM for preact's `render`, so a unit test can mount a
 * dashboard component under plain node and read what it shows: the text,
 * the elements and their attributes. No layout, no CSS, no events beyond
 * what preact attaches; a browser-only behaviour belongs in the e2e suite.
 */
import { render, type ComponentChild } from 'preact';

export class FakeNode {
  parentNode: FakeElement | null = null;
  readonly childNodes: FakeNode[] = [];

  constructor(readonly nodeType: number) {}

  get firstChild(): FakeNode | null {
    return this.childNodes[0] ?? null;
  }

  get nextSibling(): FakeNode | null {
    const siblings = this.parentNode?.childNodes;
    if (!siblings) return null;
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }

  get textContent(): string {
    return this.childNodes.map((c) => c.textContent).join('');
  }

  insertBefore(node: FakeNode, ref: FakeNode | null): FakeNode {
    node.parentNode?.removeChild(node);
    const at = ref ? this.childNodes.indexOf(ref) : -1;
    this.childNodes.splice(at < 0 ? this.childNodes.length : at, 0, node);
    node.parentNode = this as unknown as FakeElement;
    return node;
  }

  appendChild(node: FakeNode): FakeNode {
    return this.insertBefore(node, null);
  }

  removeChild(node: FakeNode): FakeNode {
    const at = this.childNodes.indexOf(node);
    if (at >= 0) this.childNodes.splice(at, 1);
    node.parentNode = null;
    return node;
  }

  remove(): void {
    this.parentNode?.removeChild(this);
  }
}

export class FakeText extends FakeNode {
  constructor(public data: string) {
    super(3);
  }

  override get textContent(): string {
    return this.data;
  }
}

class FakeStyle {
  [property: string]: unknown;
  cssText = '';
  setProperty(name: string, value: string): void {
    this[name] = value;
  }
}

export class FakeElement extends FakeNode {
  readonly attributes: { name: string; value: string }[] = [];
  /** Inline styles by property name, as preact sets them. */
  readonly style = new FakeStyle();
  readonly listeners = new Map<string, unknown>();
  innerHTML = '';

  constructor(
    readonly localName: string,
    readonly namespaceURI: string,
  ) {
    super(1);
  }

  get nodeName(): string {
    return this.localName.toUpperCase();
  }

  setAttribute(name: string, value: unknown): void {
    const text = String(value);
    const existing = this.attributes.find((a) => a.name === name);
    if (existing) existing.value = text;
    else this.attributes.push({ name, value: text });
  }

  getAttribute(name: string): string | null {
    return this.attributes.find((a) => a.name === name)?.value ?? null;
  }

  hasAttribute(name: string): boolean {
    return this.getAttribute(name) !== null;
  }

  removeAttribute(name: string): void {
    const at = this.attributes.findIndex((a) => a.name === name);
    if (at >= 0) this.attributes.splice(at, 1);
  }

  addEventListener(type: string, listener: unknown): void {
    this.listeners.set(type, listener);
  }

  removeEventListener(type: string): void {
    this.listeners.delete(type);
  }

  get classList(): string[] {
    return (this.getAttribute('class') ?? '').split(/\s+/).filter(Boolean);
  }

  get children(): FakeElement[] {
    return this.childNodes.filter((c): c is FakeElement => c instanceof FakeElement);
  }

  /** Every element below this one, in document order, that matches `selector` (see `matches`). */
  querySelectorAll(selector: string): FakeElement[] {
    const out: FakeElement[] = [];
    const walk = (el: FakeElement) => {
      for (const child of el.children) {
        if (child.matches(selector)) out.push(child);
        walk(child);
      }
    };
    walk(this);
    return out;
  }

  querySelector(selector: string): FakeElement | null {
    return this.querySelectorAll(selector)[0] ?? null;
  }

  /** A descendant selector of compound parts: `tag`, `.class`, `#id`, `[attr]`, `[attr="value"]`, e.g. `section.card dd code`. */
  matches(selector: string): boolean {
    const parts = selector.trim().split(/\s+/);
    if (!matchesCompound(this, parts[parts.length - 1]!)) return false;
    let at = parts.length - 2;
    for (let el = this.parentNode; el && at >= 0; el = el.parentNode) {
      if (el instanceof FakeElement && matchesCompound(el, parts[at]!)) at--;
    }
    return at < 0;
  }
}

function matchesCompound(el: FakeElement, compound: string): boolean {
  const re = /([.#]?)([\w-]+)|\[([\w-]+)(?:="([^"]*)")?\]/g;
  let consumed = 0;
  for (let m = re.exec(compound); m; m = re.exec(compound)) {
    if (m.index !== consumed) throw new Error(`selector "${compound}" is not supported here`);
    consumed = re.lastIndex;
    if (m[3] !== undefined) {
      const value = el.getAttribute(m[3]);
      if (value === null || (m[4] !== undefined && value !== m[4])) return false;
    } else if (m[1] === '.') {
      if (!el.classList.includes(m[2]!)) return false;
    } else if (m[1] === '#') {
      if (el.getAttribute('id') !== m[2]) return false;
    } else if (el.localName !== m[2]) return false;
  }
  if (consumed !== compound.length) throw new Error(`selector "${compound}" is not supported here`);
  return true;
}

const fakeDocument = {
  createElement: (name: string) => new FakeElement(name, 'http://www.w3.org/1999/xhtml'),
  createElementNS: (ns: string, name: string) => new FakeElement(name, ns),
  createTextNode: (data: string) => new FakeText(String(data)),
};

/** Text as a reader sees it: runs of whitespace as one space, trimmed. */
export function text(node: FakeNode | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** The `dt`/`dd` pairs of a definition list, as text. */
export function facts(dl: FakeElement | null): [string, string][] {
  if (!dl) return [];
  const out: [string, string][] = [];
  for (const el of dl.children) {
    if (el.localName === 'dt') out.push([text(el), '']);
    else if (el.localName === 'dd' && out.length) out[out.length - 1]![1] = text(el);
  }
  return out;
}

export interface Mounted {
  root: FakeElement;
  /** Renders another tree in the same root (what a state update does). */
  rerender(vnode: ComponentChild): void;
  unmount(): void;
}

let live = 0;

/**
 * Renders `vnode` into a fresh root element. The fake `document` is global
 * while anything is mounted (a hook's timer may render again); call `unmount`
 * when done, so effects clean up and the global goes away.
 */
export function mount(vnode: ComponentChild): Mounted {
  const globals = globalThis as { document?: unknown };
  if (live++ === 0) globals.document = fakeDocument;
  const root = fakeDocument.createElement('div');
  const draw = (v: ComponentChild) => render(v, root as unknown as Element);
  let mounted = true;
  draw(vnode);
  return {
    root,
    rerender: draw,
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      draw(null);
      if (--live === 0) delete globals.document;
    },
  };
}
