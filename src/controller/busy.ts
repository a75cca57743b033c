/**
 * Keys waiting per worker beyond which the operator counts as busy: a burst (hundreds of objects
 * applied at once) keeps far more waiting than its workers clear in a round, while a handful of
 * apps changing together (six applied at once, their Pods stepping in lockstep) leaves a few
 * keys waiting for a moment. Holding in-between statuses then would hide steps a person watches.
 */
export const BUSY_KEYS_PER_WORKER = 4;

/**
 * isBusy: the client's rate limit is the bottleneck now, or many more keys wait than the workers
 * take at once. Only then do in-between statuses wait longer (BUSY_STATUS_HOLD_MS) to leave the
 * API budget to Pod creates and Ready statuses.
 */
export function isBusy(rateLimited: boolean, keysWaiting: number, workers: number): boolean {
  return rateLimited || keysWaiting > BUSY_KEYS_PER_WORKER * workers;
}
