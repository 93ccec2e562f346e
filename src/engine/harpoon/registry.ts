/**
 * The targets Harpoon may call, by label: configured ones and those OAuth
 * discovery registers. Each target also remembers the addresses its host
 * name resolved to when it was first resolved; a later call whose name
 * resolves elsewhere is refused (DNS rebinding).
 */
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { harpoonTargetProblem, type HarpoonTargetConfig } from './config';

export interface HarpoonTarget {
  label: string;
  /** Normalized (scheme and host lower case) URL: the prefix every call stays within. */
  url: string;
  /** The URL as discovered or written, for the OAuth audience. */
  exactUrl: string;
  unixSocket?: string;
  description?: string;
  category: string;
  source: string;
  tags: string[];
  /** Addresses the host may be reached at (set on first resolution; fixed for IP literals). */
  pinned?: Set<string>;
}

export interface TargetInput extends HarpoonTargetConfig {
  category?: string;
  source?: string;
  tags?: string[];
}

const REGISTRY_LIMIT = 10_000;

export class HarpoonRegistry extends EventEmitter {
  private readonly targets = new Map<string, HarpoonTarget>();

  constructor(private readonly allowPlaintextHttp: boolean) {
    super();
  }

  /** Adds a target; throws an Error saying what is wrong with it. Emits `change`. */
  register(input: TargetInput): HarpoonTarget {
    const problem = harpoonTargetProblem(input, this.allowPlaintextHttp);
    if (problem) throw new Error(`harpoon target "${input.label}": ${problem}`);
    if (this.targets.has(input.label)) throw new Error(`harpoon target "${input.label}" is registered twice: give each target its own label`);
    if (this.targets.size >= REGISTRY_LIMIT) throw new Error(`harpoon registry is full (${REGISTRY_LIMIT} targets)`);
    const url = new URL(input.url);
    const source = (input.source ?? 'config').toLowerCase();
    const target: HarpoonTarget = {
      label: input.label,
      url: url.href,
      exactUrl: input.url,
      category: (input.category ?? source).toLowerCase(),
      source,
      tags: [...new Set((input.tags ?? []).map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))].sort(),
    };
    if (input.unixSocket) target.unixSocket = input.unixSocket;
    if (input.description) target.description = input.description;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) target.pinned = new Set([host]);
    this.targets.set(target.label, target);
    this.emit('change', this.targets.size);
    return target;
  }

  get(label: string): HarpoonTarget | undefined {
    return this.targets.get(label);
  }

  has(label: string): boolean {
    return this.targets.has(label);
  }

  list(): HarpoonTarget[] {
    return [...this.targets.values()];
  }

  get size(): number {
    return this.targets.size;
  }

  /** The target whose URL is exactly this one (after normalization), if any. */
  byUrl(url: string): HarpoonTarget | undefined {
    let href: string;
    try {
      href = new URL(url).href;
    } catch {
      return undefined;
    }
    return this.list().find((t) => t.url === href);
  }

  /** A free label from a base (`oauth-token-endpoint-0`, then `…-0-1`, …). */
  freeLabel(base: string): string {
    const clean = base.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64) || 'target';
    if (!this.targets.has(clean)) return clean;
    for (let i = 1; i < 10_000; i++) {
      const suffix = `-${i}`;
      const candidate = `${clean.slice(0, 64 - suffix.length)}${suffix}`;
      if (!this.targets.has(candidate)) return candidate;
    }
    throw new Error(`no free harpoon label for ${clean}`);
  }
}
