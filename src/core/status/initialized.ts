import { Reason } from '../../api/constants';
import { KubeletReason } from '../pod-facts';
import { verdict, type Verdict } from './conditions';
import { describeAt, howMany, stepAt, type PodView, type Said, type StatusContext } from './context';

/**
 * Initialized: True once every Pod got through its init steps. Else it speaks of the first Pod
 * (the least advanced) with a step left, and says how many Pods are at that same step for the same reason.
 */
export function initialized(ctx: StatusContext): Verdict {
  const { stepCount, views, least } = ctx;
  const blocked = views.find((v) => v.stepsDone < stepCount);
  if (stepCount === 0) return verdict('True', Reason.NoInitSteps, 'there are no init steps');
  if (!least) return verdict('False', Reason.PodsPending, 'no Pod exists yet');
  if (!blocked) {
    const steps = stepCount === 1 ? 'the init step' : `all ${stepCount} init steps`;
    const where = views.length > 1 ? ` in all ${views.length} Pods` : '';
    return verdict('True', Reason.InitStepsSucceeded, `${steps} succeeded${where}`);
  }
  const i = stepAt(blocked);
  const { reason, message } = describeStepGate(ctx, describeAt(ctx, blocked, i), blocked, i);
  const same = (v: PodView) => stepAt(v) === i && describeAt(ctx, v, i).reason === reason;
  return verdict('False', reason, message + howMany(ctx, same));
}

/**
 * describeStepGate: a step waiting behind a waitUntilReady sidecar started before the steps waits
 * for that sidecar to be ready, and says so instead of a bare "waiting (PodInitializing)".
 */
function describeStepGate(ctx: StatusContext, described: Said, v: PodView, i: number): Said {
  const step = v.steps[i];
  // Only a step not started for want of its turn: one waiting for another reason (its image, say) says that.
  if (
    ctx.mode !== 'Native' ||
    step.state !== 'Waiting' ||
    (step.reason ?? KubeletReason.PodInitializing) !== KubeletReason.PodInitializing
  )
    return described;
  const gate = (ctx.spec.sidecars ?? []).find(
    (c) => c.waitUntilReady && c.startBeforeInitSteps && !v.sidecars.find((h) => h.name === c.name)?.ready,
  );
  if (!gate) return described;
  return {
    reason: described.reason,
    message: `step ${i + 1}/${v.steps.length} ${step.name} waits for sidecar ${gate.name} to be ready (waitUntilReady)`,
  };
}
