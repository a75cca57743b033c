import { Reason } from '../../api/constants';
import { describeHelper, isHelperFailing } from '../helper-status';
import { verdict, type Verdict } from './conditions';
import { describeAt, stepAt, type PodView, type Said, type StatusContext } from './context';

/** The step reasons that make the AppWithHelpers Degraded, the one that speaks for all first. */
const FAILING_STEP: string[] = [
  Reason.InitStepRetriesExhausted,
  Reason.InitStepCrashLooping,
  Reason.StepTimedOut,
  Reason.InitStepFailed,
];

/** A step failing in one Pod, and what it says. */
export interface FailingStep {
  v: PodView;
  i: number;
  said: Said;
}

/**
 * failingStep: the step failing that speaks for all. A step that failed stays failing through its
 * restarts (Error, CrashLoopBackOff, Running) until it succeeds. With several Pods one may fail for
 * the first time while another already crash-loops: the crash-looping one speaks for all, so the
 * reason does not move as each Pod takes its turn. A step out of retries speaks for all: nothing
 * will change it without a person.
 */
export function failingStep(ctx: StatusContext): FailingStep | undefined {
  const failing = ctx.views
    .filter((v) => stepAt(v) < ctx.stepCount)
    .map((v) => ({ v, i: stepAt(v), said: describeAt(ctx, v, stepAt(v)) }))
    .filter(({ said }) => FAILING_STEP.includes(said.reason));
  const rank = (reason: string) => FAILING_STEP.indexOf(reason);
  return failing.reduce<FailingStep | undefined>(
    (a, b) => (!a || rank(b.said.reason) < rank(a.said.reason) ? b : a),
    undefined,
  );
}

/** exhausted: what the failing step says when it is out of retries. */
export function exhausted(failing: FailingStep | undefined): Said | undefined {
  return failing?.said.reason === Reason.InitStepRetriesExhausted ? failing.said : undefined;
}

/**
 * Degraded: something a person has to look at. A failed apply first, then a failing step, a
 * required sidecar or the app failing, then a waitUntilReady the sidecar mode cannot honour.
 */
export function degraded(ctx: StatusContext, failing: FailingStep | undefined): Verdict {
  const { input, views, optional, spec } = ctx;
  // An optional sidecar's failures are in SidecarsReady and its entry, never in Degraded.
  const crashingSidecar = views.flatMap((v) => v.sidecars).find((h) => !optional.has(h.name) && isHelperFailing(h));
  const crashingApp = views.map((v) => v.app).find(isHelperFailing);
  const unsupportedWait =
    ctx.mode === 'Classic' && spec.sidecarMode === 'Auto'
      ? (spec.sidecars ?? []).findIndex((c) => c.waitUntilReady)
      : -1;
  if (input.failure) return verdict('True', input.failure.reason, input.failure.message);
  if (failing) return verdict('True', failing.said.reason, failing.said.message);
  if (crashingSidecar) return verdict('True', Reason.SidecarCrashLooping, describeHelper('sidecar', crashingSidecar));
  if (crashingApp)
    return verdict(
      'True',
      crashingApp.restartCount >= 1 ? Reason.AppCrashLooping : Reason.AppFailed,
      describeHelper('app', crashingApp),
    );
  if (unsupportedWait >= 0)
    return verdict(
      'True',
      Reason.SidecarWaitUnsupported,
      `spec.sidecars[${unsupportedWait}].waitUntilReady: sidecarMode Auto chose Classic sidecars (the API server is older than Kubernetes 1.29), so the app starts without waiting for sidecar ${spec.sidecars![unsupportedWait].name} to be ready`,
    );
  return verdict('False', Reason.AsExpected, 'nothing is failing');
}
