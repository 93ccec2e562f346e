/**
 * What the engine knows of the control plane: whether a poll was ever
 * answered, the errors in a row and by kind, an auth problem that retrying
 * will not fix, and when the last poll succeeded or the next one is due.
 */
import type { ControlPlaneError } from './controlPlane';
import type { EngineStatus, FailureKind } from './events';

export class ControlPlaneHealth {
  everPolled = false;
  private consecutiveErrors = 0;
  private readonly errors: Partial<Record<FailureKind, number>> = {};
  private authError: string | undefined;
  private lastError: string | undefined;
  private lastPollAt: number | undefined;
  private retryAt: number | undefined;

  /**
   * A poll was answered. Says what changed for the tunnel's state: the first
   * answer, an answer after failures, or nothing (a routine poll on the hot
   * path, which only stamps the time).
   */
  pollSucceeded(now: number): 'first' | 'recovered' | undefined {
    this.lastPollAt = now;
    this.retryAt = undefined;
    const recovered = this.consecutiveErrors > 0 || this.authError !== undefined;
    if (this.everPolled && !recovered) return undefined;
    const change = this.everPolled ? 'recovered' : 'first';
    this.everPolled = true;
    this.consecutiveErrors = 0;
    this.authError = undefined;
    return change;
  }

  pollFailed(error: ControlPlaneError, retryInMs: number, now: number): void {
    this.consecutiveErrors++;
    this.errors[error.kind] = (this.errors[error.kind] ?? 0) + 1;
    this.lastError = error.message;
    this.retryAt = retryInMs > 0 ? now + retryInMs : undefined;
    if (error.kind === 'auth') this.authError = error.message;
    else if (error.kind === 'not_found' && error.local) this.authError = `${error.message}: check the tunnel id, which must be the one the relay printed (tunnel_id)`;
    else if (error.kind === 'not_found') this.authError = `${error.message}: check the tunnel id, and that it belongs to the key's organization and workspace`;
  }

  /** A problem with the key or the tunnel id: retrying will not fix it. */
  get authProblem(): string | undefined {
    return this.authError;
  }

  /** Why polling fails right now, said once: "control plane unreachable (ECONNREFUSED)", "control plane unavailable: answered 503 …". */
  get failing(): string | undefined {
    if (this.consecutiveErrors === 0) return undefined;
    const lastError = this.lastError;
    if (!lastError) return 'control plane unreachable: no answer';
    if (lastError.startsWith('control plane unreachable')) return lastError;
    return `control plane unavailable: ${lastError.replace(/^control plane /, '')}`;
  }

  get lastSuccessAt(): number | undefined {
    return this.lastPollAt;
  }

  statusFields(): Pick<EngineStatus, 'lastPollAt' | 'consecutivePollErrors' | 'pollErrors' | 'lastError' | 'retryAt'> {
    return { lastPollAt: this.lastPollAt, consecutivePollErrors: this.consecutiveErrors, pollErrors: { ...this.errors }, lastError: this.lastError, retryAt: this.retryAt };
  }
}
