/**
 * Keys waiting beyond which the operator counts as busy: 4 per worker, and never fewer than 16. A
 * burst (hundreds of objects applied at once) keeps far more waiting than its workers clear in a
 * few rounds, while a handful of apps changing together (six applied at once, their Pods stepping
 * in lockstep) leaves a few keys waiting for a moment, even for a single worker. Holding
 * in-between statuses then would hide steps a person watches.
 */
export const BUSY_KEYS_PER_WORKER = 4;
export const BUSY_MIN_KEYS = 16;

/**
 * isBusy: the client's rate limit is the bottleneck now, or many more keys wait than the workers
 * take at once. Only then do in-between statuses wait longer (BUSY_STATUS_HOLD_MS) to leave the
 * API budget to Pod creates and Ready statuses.
 */
export function isBusy(rateLimited: boolean, keysWaiting: number, workers: number): boolean {
  return rateLimited || keysWaiting > Math.max(BUSY_MIN_KEYS, BUSY_KEYS_PER_WORKER * workers);
}
