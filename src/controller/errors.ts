import { ApiError } from '../k8s/api-error';

/**
 * A failed pass that knows when its key should be looked at again anyway: the earliest deadline it
 * found (a step's timeout, the progress deadline) before failing (see runtime/queue.ts).
 */
export class ReconcileError extends Error {
  constructor(
    message: string,
    readonly requeueAfterMs?: number,
  ) {
    super(message);
  }
}

/** An error retrying cannot fix: the status and an Event say it; the key waits for the next change. */
export class PermanentError extends ReconcileError {}

/**
 * A Pod write that failed in a way retrying can fix (the API server unreachable or overloaded, a
 * name still taken): the status and an Event say it, and the queue retries after its backoff.
 */
export class TransientError extends ReconcileError {
  constructor(
    readonly reason: string,
    message: string,
    requeueAfterMs?: number,
  ) {
    super(message, requeueAfterMs);
  }
}

/**
 * The status write failed: the deadlines the pass found still bring the key back, or a step's
 * timeout first seen in this pass would wait for the error backoff (up to 5 minutes).
 */
export class StatusWriteError extends ReconcileError {
  constructor(
    readonly failure: unknown,
    requeueAfterMs?: number,
  ) {
    super(failure instanceof Error ? failure.message : String(failure), requeueAfterMs);
  }
}

/** The kinds of failed reconciles the metrics tell apart. */
export type ErrorKind = 'permanent' | 'transient' | 'unreachable' | 'api' | 'other';

/**
 * errorKind names what made a reconcile fail: a Pod write that cannot succeed (permanent) or may
 * (transient), the status write without an answer (unreachable) or refused (api), or a bug (other).
 */
export function errorKind(err: unknown): ErrorKind {
  if (err instanceof StatusWriteError) return errorKind(err.failure);
  if (err instanceof PermanentError) return 'permanent';
  if (err instanceof TransientError) return 'transient';
  if (err instanceof ApiError) return err.status === 0 ? 'unreachable' : 'api';
  return 'other';
}
