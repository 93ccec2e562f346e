/**
 * Bounded waits. Shutdown paths wait for something to finish but never past
 * their grace period, and the next step depends on whether it made it in time.
 */

/** Resolves true when `promise` fulfils within `ms`, false otherwise (at once when `ms` ≤ 0). */
export function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
