import { Reason } from '../../api/constants';
import { deadlineExceeded, progressTime } from '../progress';
import { stepFailuresOf } from '../step-attempts';
import { verdict, type Verdict } from './conditions';
import type { Said, StatusContext } from './context';

/** The four conditions of the rollout, and when it last moved forward. */
export interface Rollout {
  progressing: Verdict;
  ready: Verdict;
  reconciling: Verdict;
  stalled: Verdict;
  lastProgressTime: string;
}

/**
 * rollout: Progressing, Ready, Reconciling and Stalled. Progressing is True until the rollout is
 * complete, False once it is, or when it made no progress for progressDeadlineSeconds (as a
 * Deployment's ProgressDeadlineExceeded). `exhausted` is a step out of retries (degraded.ts);
 * `degradedMessage` is what Degraded says when True: why the rollout is stuck, if it is.
 */
export function rollout(ctx: StatusContext, exhausted: Said | undefined, degradedMessage: string | undefined): Rollout {
  const { wanted, views, input, now } = ctx;
  const rolledOut = wanted > 0 && ctx.readyCurrent >= wanted && ctx.oldLive === 0;
  const settled = rolledOut && views.length === wanted && input.pods.length === ctx.live.length;
  const lastProgressTime = lastProgress(ctx);
  const optionalOnly = onlyOptionalMissing(ctx);
  const blocker = blockerOf(ctx, rolledOut, optionalOnly);
  const deadline = ctx.spec.progressDeadlineSeconds;
  const stalled = !settled && wanted > 0 && !optionalOnly && deadlineExceeded(lastProgressTime, deadline, now);
  const stalledMessage = `no progress for ${deadline}s (progressDeadlineSeconds): ${degradedMessage ?? blocker.message}`;
  const progressing =
    settled || (wanted === 0 && views.length === 0)
      ? verdict('False', Reason.Complete, `${wanted} Pod${wanted === 1 ? '' : 's'} with the current template`)
      : exhausted
        ? verdict('False', exhausted.reason, exhausted.message)
        : stalled
          ? verdict('False', Reason.ProgressDeadlineExceeded, stalledMessage)
          : verdict('True', blocker.reason, blocker.message);
  // kstatus (Helm 4 --wait, Flux, kpt, Config Sync) reads Reconciling and Stalled: Reconciling True
  // is InProgress, Stalled True is Failed, both False with Ready True is Current. Never both True.
  // Retries used up: no Pod will be made until the spec changes (kstatus Failed, at once).
  const stuck: Said | undefined =
    exhausted && !settled
      ? exhausted
      : stalled
        ? { reason: Reason.ProgressDeadlineExceeded, message: stalledMessage }
        : undefined;
  return {
    progressing,
    ready: readiness(ctx, rolledOut),
    reconciling: stuck ? verdict('False', stuck.reason, stuck.message) : progressing,
    stalled: stuck
      ? verdict('True', stuck.reason, stuck.message)
      : verdict('False', Reason.AsExpected, 'the rollout is not stuck'),
    lastProgressTime,
  };
}

/**
 * readiness (Ready): the rollout is complete. Every wanted Pod has the current template and is ready,
 * and no Pod of an older template is still live (one being deleted is on its way out and does not count).
 */
function readiness(ctx: StatusContext, rolledOut: boolean): Verdict {
  const { wanted, views, readyCurrent, oldLive, least } = ctx;
  if (wanted === 0) return verdict('True', Reason.NoReplicas, 'replicas is 0: no Pods are wanted');
  if (rolledOut) return verdict('True', Reason.PodsReady, `${readyCurrent}/${wanted} Pods are ready`);
  if (!views.length) return verdict('False', Reason.PodsPending, 'no Pod exists yet');
  return verdict(
    'False',
    Reason.PodsNotReady,
    oldLive && readyCurrent >= wanted
      ? `${readyCurrent}/${wanted} Pods are ready; ${oldLive} of an older template still running`
      : `${readyCurrent}/${wanted} Pods are ready; the least advanced is ${least!.printed.status}`,
  );
}

/** What the rollout waits for: old Pods to go, Pods to be made, or Pods to start. */
function blockerOf(ctx: StatusContext, rolledOut: boolean, optionalOnly: boolean): Said {
  const { wanted, views, updatedReplicas, readyCurrent, least, oldLive } = ctx;
  const leaving = ctx.input.pods.length - ctx.live.length + Math.max(0, views.length - wanted);
  if (oldLive)
    return { reason: Reason.RollingUpdate, message: `${updatedReplicas} of ${wanted} Pods have the current template` };
  if (rolledOut || views.length > wanted)
    return { reason: Reason.DeletingPods, message: `${leaving} Pod${leaving === 1 ? '' : 's'} on the way out` };
  if (updatedReplicas < wanted)
    return { reason: Reason.CreatingPods, message: `${views.length} of ${wanted} Pods exist` };
  return {
    reason: Reason.StartingPods,
    message: optionalOnly
      ? `${readyCurrent}/${wanted} Pods are ready; the others wait only for optional sidecars, which never stall the rollout`
      : `${readyCurrent}/${wanted} Pods are ready${least ? `; the least advanced is ${least.printed.status}` : ''}`,
  };
}

/**
 * Pods held back from Ready only by optional sidecars are as far as they will get without them:
 * that is reported (SidecarsReady) but is no reason to call the rollout stuck.
 */
function onlyOptionalMissing(ctx: StatusContext): boolean {
  const { optional, oldLive, views, wanted, updatedReplicas, stepCount } = ctx;
  return (
    optional.size > 0 &&
    oldLive === 0 &&
    views.length === wanted &&
    updatedReplicas === wanted &&
    views.every(
      (v) =>
        v.ready ||
        (v.stepsDone === stepCount && v.app.ready && v.sidecars.every((h) => h.ready || optional.has(h.name))),
    )
  );
}

/**
 * lastProgress: when the rollout last moved forward (progress.ts). An attempt is a Pod
 * (step-attempts.ts): a Pod replacing failed attempts runs again the steps and starts again the
 * sidecars they got through. That is no progress until it gets past the furthest step they failed
 * at, or a step failing (or timing out) in every new Pod never met the deadline.
 */
function lastProgress(ctx: StatusContext): string {
  const { least, spec, input } = ctx;
  const counts = {
    observedGeneration: input.generation,
    replicas: ctx.views.length,
    readyReplicas: ctx.readyReplicas,
    updatedReplicas: ctx.updatedReplicas,
    initProgress: ctx.initProgress,
    sidecarsReady: ctx.sidecarsProgress,
  };
  const inherited = least ? stepFailuresOf(least.pod) : {};
  const redoneUpTo = Math.max(-1, ...(spec.initSteps ?? []).flatMap((s, i) => (inherited[s.name] ? [i] : [])));
  const redoing = !!least && !!input.previous && least.stepsDone <= redoneUpTo;
  const previous = input.previous;
  return progressTime(
    previous,
    redoing ? { ...counts, initProgress: previous?.initProgress, sidecarsReady: previous?.sidecarsReady } : counts,
    ctx.now,
  );
}
