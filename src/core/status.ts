import type { V1Pod } from '@kubernetes/client-node';
import { ConditionType, Reason } from '../api/constants';
import type { AppSpec, AppStatus, Condition, HelperStatus, LastFailure, ParsedSpec, StepStatus } from '../api/schema';
import {
  describeAttempt,
  describeHelper,
  describeStep,
  helperStatus,
  isHelperFailing,
  stepStatus,
} from './helper-status';
import { appFailure, sidecarFailures, stepFailures } from './last-failure';
import { printPod } from './print-pod';
import { attemptEnd, stepFailuresOf, type AttemptEnd } from './step-attempts';
import { deadlineExceeded, progressTime } from './progress';
import {
  containerStatus,
  isFinished,
  isInitialized,
  isPodReady,
  isTerminating,
  KubeletReason,
  restartsOf,
  slotOf,
  templateHashOf,
  toIso,
} from './pod-facts';

export interface StatusInput {
  generation?: number;
  parsed: ParsedSpec;
  /** Pods this AppWithHelpers controls, as observed. */
  pods: V1Pod[];
  /** The template hash Pods should have (undefined when the spec is invalid). */
  hash?: string;
  /** Sidecar mode after Auto was resolved. */
  sidecarMode?: 'Native' | 'Classic';
  /** A failure of the last apply (create or delete), for the Degraded condition. */
  failure?: { reason: string; message: string };
  /** The status written last time: each condition's lastTransitionTime, and the last progress time. */
  previous?: AppStatus;
  now: Date;
}

interface PodView {
  pod: V1Pod;
  printed: ReturnType<typeof printPod>;
  steps: StepStatus[];
  sidecars: HelperStatus[];
  app: HelperStatus;
  stepsDone: number;
  sidecarsReady: number;
  ready: boolean;
  /** Why this Pod's attempt ended, for a Pod of the current template (step-attempts.ts). */
  end?: AttemptEnd;
}

/**
 * deriveStatus computes the whole status from the spec and the observed Pods alone: the same
 * inputs always give the same status, so the reconciler can skip the write when it is unchanged.
 */
export function deriveStatus(input: StatusInput): AppStatus {
  const { parsed, generation, now } = input;
  const live = input.pods.filter((p) => !isTerminating(p));
  const conditions: Condition[] = [];
  const cond = (type: string, status: Condition['status'], reason: string, message: string) =>
    conditions.push(
      withTransition(
        { type, status, reason, message, lastTransitionTime: toIso(now)!, observedGeneration: generation },
        input.previous,
      ),
    );

  if (!parsed.ok) {
    // Pods already running stay; the status says why nothing changes.
    const message = `the spec is invalid, so Pods are left as they are: ${parsed.errors.join('; ')}`;
    const pods = live.map((p) => podEntry(p, now)).sort((a, b) => a.name.localeCompare(b.name));
    cond(ConditionType.Degraded, 'True', Reason.InvalidSpec, message);
    cond(ConditionType.Ready, 'False', Reason.InvalidSpec, message);
    cond(ConditionType.Progressing, 'False', Reason.InvalidSpec, message);
    // kstatus (Helm 4 --wait, Flux): Failed. Retrying cannot help until the spec changes.
    cond(ConditionType.Reconciling, 'False', Reason.InvalidSpec, message);
    cond(ConditionType.Stalled, 'True', Reason.InvalidSpec, message);
    return clean({
      observedGeneration: generation,
      phase: 'Degraded',
      podStatus: 'InvalidSpec',
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      ready: `${live.filter(isPodReady).length}/${input.previous?.ready?.split('/')[1] ?? live.length}`,
      restarts: live.reduce((n, p) => n + restartsOf(p), 0),
      pods: pods.length ? pods : undefined,
      lastProgressTime: input.previous?.lastProgressTime,
      conditions,
    });
  }

  const spec = parsed.spec;
  const mode = input.sidecarMode ?? 'Native';
  const failureInput = { spec, pods: input.pods, hash: input.hash, mode, previous: input.previous, now };
  const stepFailed = stepFailures(failureInput);
  const sidecarFailed = sidecarFailures(failureInput);
  const appFailed = appFailure(failureInput);
  const views = live
    .map((p) => viewPod(p, spec, mode, now, input.hash, { stepFailed, sidecarFailed, appFailed }))
    .sort(
      (a, b) =>
        progress(a, spec) - progress(b, spec) || (a.pod.metadata?.name ?? '').localeCompare(b.pod.metadata?.name ?? ''),
    );
  const least = views[0];
  const wanted = spec.replicas;
  const readyReplicas = views.filter((v) => v.ready).length;
  const current = views.filter((v) => templateHashOf(v.pod) === input.hash);
  const updatedReplicas = current.length;
  const readyCurrent = current.filter((v) => v.ready).length;
  const oldLive = views.length - updatedReplicas;
  const stepCount = spec.initSteps?.length ?? 0;
  const sidecarCount = spec.sidecars?.length ?? 0;
  const several = views.length > 1;
  const howMany = (match: (v: PodView) => boolean) =>
    several ? ` (${views.filter(match).length} of ${views.length} Pods)` : '';
  // Sidecar policies: optional sidecars never make it Degraded or Stalled; waitUntilReady gates what follows.
  const sidecarMode = input.sidecarMode ?? 'Native';
  const optional = new Set((spec.sidecars ?? []).filter((s) => s.optional).map((s) => s.name));
  const unsupportedWait =
    sidecarMode === 'Classic' && spec.sidecarMode === 'Auto'
      ? (spec.sidecars ?? []).findIndex((c) => c.waitUntilReady)
      : -1;

  /** How the step a Pod is at reads: its attempts first (a deadline, a retry budget), then its container. */
  const describeAt = (v: PodView, i: number) =>
    describeAttempt(v.steps[i], i, stepCount, {
      end: v.end?.index === i ? v.end : undefined,
      inherited: stepFailuresOf(v.pod)[v.steps[i].name] ?? 0,
      last: v.steps[i].lastFailure,
      pod: v.pod.metadata?.name ?? '',
      timeoutSeconds: spec.initSteps![i].timeoutSeconds,
    }) ?? describeStep(v.steps[i], i, stepCount);
  /** The step a Pod is stuck at: the one its attempt ended on, else its first unfinished one. */
  const stepAt = (v: PodView) => v.end?.index ?? v.stepsDone;

  // Initialized
  const initBlocked = views.find((v) => v.stepsDone < stepCount);
  if (stepCount === 0) cond(ConditionType.Initialized, 'True', Reason.NoInitSteps, 'there are no init steps');
  else if (!least) cond(ConditionType.Initialized, 'False', Reason.PodsPending, 'no Pod exists yet');
  else if (!initBlocked)
    cond(
      ConditionType.Initialized,
      'True',
      Reason.InitStepsSucceeded,
      `${stepCount === 1 ? 'the init step' : `all ${stepCount} init steps`} succeeded${several ? ` in all ${views.length} Pods` : ''}`,
    );
  else {
    const i = stepAt(initBlocked);
    const { reason, message } = describeStepGate(describeAt(initBlocked, i), initBlocked, i, spec, sidecarMode);
    const same = (v: PodView) => stepAt(v) === i && describeAt(v, i).reason === reason;
    cond(ConditionType.Initialized, 'False', reason, message + howMany(same));
  }

  // SidecarsReady
  const sidecarBlocked = views.find((v) => v.sidecarsReady < sidecarCount);
  if (sidecarCount === 0) cond(ConditionType.SidecarsReady, 'True', Reason.NoSidecars, 'there are no sidecars');
  else if (!least) cond(ConditionType.SidecarsReady, 'False', Reason.PodsPending, 'no Pod exists yet');
  else if (!sidecarBlocked)
    cond(
      ConditionType.SidecarsReady,
      'True',
      Reason.SidecarsStarted,
      `${sidecarCount === 1 ? 'the sidecar is' : `all ${sidecarCount} sidecars are`} ready${several ? ` in all ${views.length} Pods` : ''}`,
    );
  else {
    // A required sidecar speaks first: an optional one is named only when nothing else is wrong.
    const notReady = views.flatMap((v) => v.sidecars.filter((h) => !h.ready).map((h) => ({ v, h })));
    const { v: blockedView, h: s } = notReady.find(({ h }) => !optional.has(h.name)) ?? notReady[0];
    const looping = isHelperFailing(s);
    const isOptional = optional.has(s.name);
    const gates = sidecarMode === 'Native' && spec.sidecars!.some((c) => c.name === s.name && c.waitUntilReady);
    cond(
      ConditionType.SidecarsReady,
      'False',
      looping
        ? isOptional
          ? Reason.OptionalSidecarCrashLooping
          : Reason.SidecarCrashLooping
        : Reason.SidecarsNotReady,
      `${blockedView.sidecarsReady}/${sidecarCount} sidecars ready; ${describeHelper(isOptional ? 'optional sidecar' : 'sidecar', s)}` +
        (gates && !looping ? '; the containers after it wait until it is ready (waitUntilReady)' : '') +
        howMany((v) => v.sidecars.some((h) => h.name === s.name && !h.ready)),
    );
  }

  // Degraded: something a person has to look at.
  // A step that failed stays failing through its restarts (Error, CrashLoopBackOff, Running) until it succeeds.
  // With several Pods one may fail for the first time while another already crash-loops: the
  // crash-looping one speaks for all, so the reason does not move as each Pod takes its turn.
  // A step out of retries speaks for all: nothing will change it without a person.
  const failingSteps = views
    .filter((v) => stepAt(v) < stepCount)
    .map((v) => ({ v, i: stepAt(v), said: describeAt(v, stepAt(v)) }))
    .filter(({ said }) => FAILING_STEP.includes(said.reason));
  const rank = (reason: string) => FAILING_STEP.indexOf(reason);
  const crashingStep = failingSteps.reduce<(typeof failingSteps)[number] | undefined>(
    (a, b) => (!a || rank(b.said.reason) < rank(a.said.reason) ? b : a),
    undefined,
  );
  const exhausted = crashingStep?.said.reason === Reason.InitStepRetriesExhausted ? crashingStep.said : undefined;
  // An optional sidecar's failures are in SidecarsReady and its entry, never in Degraded.
  const crashingSidecar = views.flatMap((v) => v.sidecars).find((h) => !optional.has(h.name) && isHelperFailing(h));
  const crashingApp = views.map((v) => v.app).find(isHelperFailing);
  if (input.failure) cond(ConditionType.Degraded, 'True', input.failure.reason, input.failure.message);
  else if (crashingStep) cond(ConditionType.Degraded, 'True', crashingStep.said.reason, crashingStep.said.message);
  else if (crashingSidecar)
    cond(ConditionType.Degraded, 'True', Reason.SidecarCrashLooping, describeHelper('sidecar', crashingSidecar));
  else if (crashingApp)
    cond(
      ConditionType.Degraded,
      'True',
      crashingApp.restartCount >= 1 ? Reason.AppCrashLooping : Reason.AppFailed,
      describeHelper('app', crashingApp),
    );
  else if (unsupportedWait >= 0)
    cond(
      ConditionType.Degraded,
      'True',
      Reason.SidecarWaitUnsupported,
      `spec.sidecars[${unsupportedWait}].waitUntilReady: sidecarMode Auto chose Classic sidecars (the API server is older than Kubernetes 1.29), so the app starts without waiting for sidecar ${spec.sidecars![unsupportedWait].name} to be ready`,
    );
  else cond(ConditionType.Degraded, 'False', Reason.AsExpected, 'nothing is failing');

  // Ready: the rollout is complete. Every wanted Pod has the current template and is ready, and no
  // Pod of an older template is still live (one being deleted is on its way out and does not count).
  const rolledOut = wanted > 0 && readyCurrent >= wanted && oldLive === 0;
  const settled = rolledOut && views.length === wanted && input.pods.length === live.length;
  const counts = {
    observedGeneration: generation,
    replicas: views.length,
    readyReplicas,
    updatedReplicas,
    initProgress: `${least ? least.stepsDone : 0}/${stepCount}`,
    sidecarsReady: `${least ? least.sidecarsReady : 0}/${sidecarCount}`,
  };
  // An attempt is a Pod (step-attempts.ts): a Pod replacing failed attempts runs again the steps and
  // starts again the sidecars they got through. That is no progress until it gets past the furthest
  // step they failed at, or a step failing (or timing out) in every new Pod never met the deadline.
  const inherited = least ? stepFailuresOf(least.pod) : {};
  const redoneUpTo = Math.max(-1, ...(spec.initSteps ?? []).flatMap((s, i) => (inherited[s.name] ? [i] : [])));
  const redoing = !!least && !!input.previous && least.stepsDone <= redoneUpTo;
  const lastProgressTime = progressTime(
    input.previous,
    redoing
      ? { ...counts, initProgress: input.previous?.initProgress, sidecarsReady: input.previous?.sidecarsReady }
      : counts,
    now,
  );

  // Progressing: True until the rollout is complete, False once it is, or when it made no
  // progress for progressDeadlineSeconds (as a Deployment's ProgressDeadlineExceeded).
  const leaving = input.pods.length - live.length + Math.max(0, views.length - wanted);
  // Pods held back from Ready only by optional sidecars are as far as they will get without them:
  // that is reported (SidecarsReady) but is no reason to call the rollout stuck.
  const onlyOptionalMissing =
    optional.size > 0 &&
    oldLive === 0 &&
    views.length === wanted &&
    updatedReplicas === wanted &&
    views.every(
      (v) =>
        v.ready ||
        (v.stepsDone === stepCount && v.app.ready && v.sidecars.every((h) => h.ready || optional.has(h.name))),
    );
  const blocker = oldLive
    ? { reason: Reason.RollingUpdate, message: `${updatedReplicas} of ${wanted} Pods have the current template` }
    : rolledOut || views.length > wanted
      ? { reason: Reason.DeletingPods, message: `${leaving} Pod${leaving === 1 ? '' : 's'} on the way out` }
      : updatedReplicas < wanted
        ? { reason: Reason.CreatingPods, message: `${views.length} of ${wanted} Pods exist` }
        : {
            reason: Reason.StartingPods,
            message: onlyOptionalMissing
              ? `${readyCurrent}/${wanted} Pods are ready; the others wait only for optional sidecars, which never stall the rollout`
              : `${readyCurrent}/${wanted} Pods are ready${least ? `; the least advanced is ${least.printed.status}` : ''}`,
          };
  const deadline = spec.progressDeadlineSeconds;
  const stalled = !settled && wanted > 0 && !onlyOptionalMissing && deadlineExceeded(lastProgressTime, deadline, now);
  const why = conditions.find((c) => c.type === ConditionType.Degraded && c.status === 'True')?.message;
  const stalledMessage = `no progress for ${deadline}s (progressDeadlineSeconds): ${why ?? blocker.message}`;
  if (settled || (wanted === 0 && views.length === 0))
    cond(
      ConditionType.Progressing,
      'False',
      Reason.Complete,
      `${wanted} Pod${wanted === 1 ? '' : 's'} with the current template`,
    );
  else if (exhausted) cond(ConditionType.Progressing, 'False', exhausted.reason, exhausted.message);
  else if (stalled) cond(ConditionType.Progressing, 'False', Reason.ProgressDeadlineExceeded, stalledMessage);
  else cond(ConditionType.Progressing, 'True', blocker.reason, blocker.message);

  if (wanted === 0) cond(ConditionType.Ready, 'True', Reason.NoReplicas, 'replicas is 0: no Pods are wanted');
  else if (rolledOut) cond(ConditionType.Ready, 'True', Reason.PodsReady, `${readyCurrent}/${wanted} Pods are ready`);
  else
    cond(
      ConditionType.Ready,
      'False',
      views.length ? Reason.PodsNotReady : Reason.PodsPending,
      views.length
        ? oldLive && readyCurrent >= wanted
          ? `${readyCurrent}/${wanted} Pods are ready; ${oldLive} of an older template still running`
          : `${readyCurrent}/${wanted} Pods are ready; the least advanced is ${least.printed.status}`
        : 'no Pod exists yet',
    );

  // kstatus (Helm 4 --wait, Flux, kpt, Config Sync) reads these two: Reconciling True is
  // InProgress, Stalled True is Failed, both False with Ready True is Current. Never both True.
  const progressing = conditions.find((c) => c.type === ConditionType.Progressing)!;
  if (exhausted && !settled) {
    // Retries used up: no Pod will be made until the spec changes (kstatus Failed, at once).
    cond(ConditionType.Reconciling, 'False', exhausted.reason, exhausted.message);
    cond(ConditionType.Stalled, 'True', exhausted.reason, exhausted.message);
  } else if (stalled) {
    cond(ConditionType.Reconciling, 'False', Reason.ProgressDeadlineExceeded, stalledMessage);
    cond(ConditionType.Stalled, 'True', Reason.ProgressDeadlineExceeded, stalledMessage);
  } else {
    cond(ConditionType.Reconciling, progressing.status, progressing.reason, progressing.message);
    cond(ConditionType.Stalled, 'False', Reason.AsExpected, 'the rollout is not stuck');
  }

  const degraded = conditions.some((c) => c.type === ConditionType.Degraded && c.status === 'True');
  const phase: AppStatus['phase'] =
    views.some((v) => v.pod.status?.phase === 'Failed') && !views.some((v) => v.ready)
      ? 'Failed'
      : degraded
        ? 'Degraded'
        : wanted > 0 && readyReplicas >= wanted
          ? 'Running'
          : least && !isInitialized(least.pod) && stepCount > 0 && least.pod.spec?.nodeName
            ? 'Initializing'
            : wanted === 0
              ? 'Running'
              : 'Pending';

  return clean({
    observedGeneration: generation,
    phase,
    podStatus: least ? least.printed.status : wanted === 0 ? 'ScaledToZero' : 'Pending',
    replicas: views.length,
    readyReplicas,
    updatedReplicas,
    ready: `${readyReplicas}/${wanted}`,
    initProgress: counts.initProgress,
    sidecarsReady: counts.sidecarsReady,
    restarts: views.reduce((n, v) => n + restartsOf(v.pod), 0),
    initSteps: least
      ? least.steps.length
        ? least.steps
        : undefined
      : stepCount
        ? spec.initSteps!.map((s) => ({ name: s.name, state: 'Waiting' as const, lastFailure: stepFailed.get(s.name) }))
        : undefined,
    sidecars: least
      ? least.sidecars.length
        ? least.sidecars
        : undefined
      : sidecarCount
        ? spec.sidecars!.map((s) => ({
            name: s.name,
            state: 'Waiting' as const,
            ready: false,
            restartCount: 0,
            lastFailure: sidecarFailed.get(s.name),
          }))
        : undefined,
    app: least
      ? least.app
      : withLastFailure<HelperStatus>(
          { name: spec.app.name, state: 'Waiting', ready: false, restartCount: 0 },
          appFailed,
        ),
    pods: views.length
      ? views.map((v) => podEntry(v.pod, now)).sort((a, b) => a.name.localeCompare(b.name))
      : undefined,
    lastProgressTime,
    conditions,
  });
}

/** The last failures remembered for each helper and the app (last-failure.ts). */
interface Remembered {
  stepFailed: Map<string, LastFailure | undefined>;
  sidecarFailed: Map<string, LastFailure | undefined>;
  appFailed: LastFailure | undefined;
}

function viewPod(
  pod: V1Pod,
  spec: AppSpec,
  mode: 'Native' | 'Classic',
  now: Date,
  hash: string | undefined,
  failed: Remembered,
): PodView {
  const { stepFailed, sidecarFailed, appFailed } = failed;
  // As the planner sees it: only a Pod of the current template in a wanted slot has attempts that count.
  const slot = slotOf(pod);
  const end =
    templateHashOf(pod) === hash && slot >= 0 && slot < spec.replicas ? attemptEnd(pod, spec, now) : undefined;
  const steps = (spec.initSteps ?? []).map((s, i) => {
    const entry = stepStatus(s.name, containerStatus(pod, s.name, true));
    const timedOut = end?.kind === 'TimedOut' && end.index === i;
    return withLastFailure(
      timedOut
        ? {
            ...entry,
            reason: Reason.StepTimedOut,
            message: `still running after ${s.timeoutSeconds}s, its timeoutSeconds`,
          }
        : entry,
      stepFailed.get(s.name),
    );
  });
  // Each Pod as it was rendered: a Pod made before the Auto mode changed (the template hash does
  // not cover the operator's choice) keeps its sidecars where they were.
  const sidecars = (spec.sidecars ?? []).map((s) =>
    withLastFailure(
      stoppedWithPod(
        pod,
        helperStatus(
          s.name,
          containerStatus(pod, s.name, mode === 'Native') ?? containerStatus(pod, s.name, mode !== 'Native'),
        ),
      ),
      sidecarFailed.get(s.name),
    ),
  );
  const app = withLastFailure(helperStatus(spec.app.name, containerStatus(pod, spec.app.name, false)), appFailed);
  const firstUnfinished = steps.findIndex((s) => s.state !== 'Succeeded');
  return {
    pod,
    printed: printPod(pod, now),
    steps,
    sidecars,
    app,
    stepsDone: firstUnfinished === -1 ? steps.length : firstUnfinished,
    sidecarsReady: sidecars.filter((s) => s.ready).length,
    ready: isPodReady(pod) && !isFinished(pod),
    end,
  };
}

/**
 * stoppedWithPod: a sidecar runs until its Pod ends, so in a Pod that failed (a step out of attempts)
 * or finished its exit code is the kubelet stopping it, not a crash: without this a failed attempt
 * made SidecarsReady say SidecarCrashLooping, and an optional sidecar sent its Warning each attempt.
 */
function stoppedWithPod(pod: V1Pod, h: HelperStatus): HelperStatus {
  if (!isFinished(pod) || h.state !== 'Terminated') return h;
  const { exitCode: _e, reason: _r, message: _m, ...rest } = h;
  return { ...rest, reason: Reason.PodEnded, message: `stopped with its Pod (${pod.status?.phase})` };
}

/** The step reasons that make the AppWithHelpers Degraded, the one that speaks for all first. */
const FAILING_STEP: string[] = [
  Reason.InitStepRetriesExhausted,
  Reason.InitStepCrashLooping,
  Reason.StepTimedOut,
  Reason.InitStepFailed,
];

function withLastFailure<T extends { lastFailure?: LastFailure }>(entry: T, lastFailure: LastFailure | undefined): T {
  return lastFailure ? { ...entry, lastFailure } : entry;
}

/** progress orders Pods from least to most advanced. */
function progress(v: PodView, spec: AppSpec): number {
  const total = (spec.initSteps?.length ?? 0) + (spec.sidecars?.length ?? 0) + 1;
  return v.stepsDone + v.sidecarsReady + (v.ready ? total : v.app.state === 'Running' ? 0.5 : 0);
}

/**
 * describeStepGate: a step waiting behind a waitUntilReady sidecar started before the steps waits
 * for that sidecar to be ready, and says so instead of a bare "waiting (PodInitializing)".
 */
function describeStepGate(
  described: { reason: string; message: string },
  v: PodView,
  i: number,
  spec: AppSpec,
  mode: 'Native' | 'Classic',
): { reason: string; message: string } {
  const step = v.steps[i];
  // Only a step not started for want of its turn: one waiting for another reason (its image, say) says that.
  if (
    mode !== 'Native' ||
    step.state !== 'Waiting' ||
    (step.reason ?? KubeletReason.PodInitializing) !== KubeletReason.PodInitializing
  )
    return described;
  const gate = (spec.sidecars ?? []).find(
    (c) => c.waitUntilReady && c.startBeforeInitSteps && !v.sidecars.find((h) => h.name === c.name)?.ready,
  );
  if (!gate) return described;
  return {
    reason: described.reason,
    message: `step ${i + 1}/${v.steps.length} ${step.name} waits for sidecar ${gate.name} to be ready (waitUntilReady)`,
  };
}

function podEntry(p: V1Pod, now: Date) {
  const printed = printPod(p, now);
  return {
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Pending',
    status: printed.status,
    ready: printed.ready,
    restarts: restartsOf(p),
  };
}

function withTransition(c: Condition, previous: AppStatus | undefined): Condition {
  const before = previous?.conditions?.find((p) => p.type === c.type);
  return before && before.status === c.status ? { ...c, lastTransitionTime: before.lastTransitionTime } : c;
}

/** clean drops undefined fields, so a status compares equal to the same status read back. */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
