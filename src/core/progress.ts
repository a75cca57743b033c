import type { AppStatus } from '../api/status';

/**
 * Progress, as the Deployment controller counts it: a rollout moves forward when more Pods have
 * the current template, more are ready, fewer old ones are left, or the least advanced Pod got
 * further through its init steps or sidecars. A crash-looping step moves none of these, so
 * `progressDeadlineSeconds` without one of them means the AppWithHelpers is stuck.
 *
 * Only counts the status already carries are compared, with the status written last: a status
 * held back while Pods start still compares with what the API server has.
 */
export function madeProgress(before: AppStatus | undefined, after: AppStatus): boolean {
  if (!before?.lastProgressTime) return true;
  if (before.observedGeneration !== after.observedGeneration) return true; // a new spec starts the clock again
  const more = (field: 'updatedReplicas' | 'readyReplicas') => (after[field] ?? 0) > (before[field] ?? 0);
  const old = (s: AppStatus) => (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  const done = (fraction: string | undefined) => Number(fraction?.split('/')[0] ?? 0);
  return (
    more('updatedReplicas') ||
    more('readyReplicas') ||
    old(after) < old(before) ||
    done(after.initProgress) > done(before.initProgress) ||
    done(after.sidecarsReady) > done(before.sidecarsReady)
  );
}

/** progressTime is when the rollout last moved forward: now if it just did, else as written before. */
export function progressTime(before: AppStatus | undefined, after: AppStatus, now: Date): string {
  return madeProgress(before, after) || !before?.lastProgressTime ? now.toISOString() : before.lastProgressTime;
}

/** deadlineExceeded: no progress for deadlineSeconds (Deployment's ProgressDeadlineExceeded). */
export function deadlineExceeded(lastProgressTime: string, deadlineSeconds: number, now: Date): boolean {
  return now.getTime() - Date.parse(lastProgressTime) >= deadlineSeconds * 1000;
}

/**
 * msUntilDeadline says when to look again at a rollout that is still progressing: nothing else may
 * happen before then (a Pod waiting for an image sends no events), yet the deadline must be noticed.
 * A status derived after its deadline that is still Progressing is one the deadline never stalls
 * (Pods held back only by optional sidecars, Pods leaving at replicas 0): only a Pod's change moves
 * it, and that comes with an event, so there is nothing to look at later (and 50 ms each time would
 * reconcile it 20 times a second for as long as it lasts).
 */
export function msUntilDeadline(status: AppStatus, deadlineSeconds: number, now: Date): number | undefined {
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.status !== 'True' || !status.lastProgressTime) return undefined;
  const ms = Date.parse(status.lastProgressTime) + deadlineSeconds * 1000 - now.getTime();
  return ms > 0 ? ms + 50 : undefined;
}
