import type { V1Pod } from '@kubernetes/client-node';
import { Reason } from '../../api/constants';
import type { AppSpec } from '../../api/spec';
import type { ParsedSpec } from '../../api/validation/parse-spec';
import type { AppStatus, HelperStatus, LastFailure, StepStatus } from '../../api/status';
import { describeAttempt, describeStep, helperStatus, stepStatus } from '../helper-status';
import { appFailure, sidecarFailures, stepFailures } from '../last-failure';
import { printPod } from '../print-pod';
import { attemptEnd, stepFailuresOf, type AttemptEnd } from '../step-attempts';
import { containerStatus, isFinished, isPodReady, isTerminating, slotOf, templateHashOf } from '../pod-facts';

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

/** A reason and the sentence that goes with it. */
export interface Said {
  reason: string;
  message: string;
}

export interface PodView {
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

/** The last failures remembered for each helper and the app (last-failure.ts). */
export interface Remembered {
  stepFailed: Map<string, LastFailure | undefined>;
  sidecarFailed: Map<string, LastFailure | undefined>;
  appFailed: LastFailure | undefined;
}

/**
 * What every condition reads, worked out once: the Pods as views (least advanced first), their
 * counts and the failures remembered. The condition functions only read it.
 */
export interface StatusContext {
  input: StatusInput;
  spec: AppSpec;
  mode: 'Native' | 'Classic';
  now: Date;
  /** The Pods not being deleted. */
  live: V1Pod[];
  /** One view of each live Pod, the least advanced first. */
  views: PodView[];
  least: PodView | undefined;
  wanted: number;
  readyReplicas: number;
  /** Live Pods with the current template, and how many of them are ready. */
  updatedReplicas: number;
  readyCurrent: number;
  /** Live Pods of an older template. */
  oldLive: number;
  stepCount: number;
  sidecarCount: number;
  /** The optional sidecars' names: they never make it Degraded or Stalled. */
  optional: Set<string>;
  remembered: Remembered;
  /** The least advanced Pod's init steps done and sidecars ready, as "done/total". */
  initProgress: string;
  sidecarsProgress: string;
}

export function statusContext(input: StatusInput, spec: AppSpec): StatusContext {
  const { now, hash } = input;
  const mode = input.sidecarMode ?? 'Native';
  const live = input.pods.filter((p) => !isTerminating(p));
  const failureInput = { spec, pods: input.pods, hash, mode, previous: input.previous, now };
  const remembered = {
    stepFailed: stepFailures(failureInput),
    sidecarFailed: sidecarFailures(failureInput),
    appFailed: appFailure(failureInput),
  };
  const views = live
    .map((p) => viewPod(p, spec, mode, now, hash, remembered))
    .sort(
      (a, b) =>
        progress(a, spec) - progress(b, spec) || (a.pod.metadata?.name ?? '').localeCompare(b.pod.metadata?.name ?? ''),
    );
  const least = views[0];
  const current = views.filter((v) => templateHashOf(v.pod) === hash);
  const stepCount = spec.initSteps?.length ?? 0;
  const sidecarCount = spec.sidecars?.length ?? 0;
  return {
    input,
    spec,
    mode,
    now,
    live,
    views,
    least,
    wanted: spec.replicas,
    readyReplicas: views.filter((v) => v.ready).length,
    updatedReplicas: current.length,
    readyCurrent: current.filter((v) => v.ready).length,
    oldLive: views.length - current.length,
    stepCount,
    sidecarCount,
    optional: new Set((spec.sidecars ?? []).filter((s) => s.optional).map((s) => s.name)),
    remembered,
    initProgress: `${least ? least.stepsDone : 0}/${stepCount}`,
    sidecarsProgress: `${least ? least.sidecarsReady : 0}/${sidecarCount}`,
  };
}

/** howMany: " (2 of 3 Pods)" for the Pods that match, when there are several; nothing for one. */
export function howMany(ctx: StatusContext, match: (v: PodView) => boolean): string {
  const { views } = ctx;
  return views.length > 1 ? ` (${views.filter(match).length} of ${views.length} Pods)` : '';
}

/** The step a Pod is stuck at: the one its attempt ended on, else its first unfinished one. */
export function stepAt(v: PodView): number {
  return v.end?.index ?? v.stepsDone;
}

/** How the step a Pod is at reads: its attempts first (a deadline, a retry budget), then its container. */
export function describeAt(ctx: StatusContext, v: PodView, i: number): Said {
  return (
    describeAttempt(v.steps[i], i, ctx.stepCount, {
      end: v.end?.index === i ? v.end : undefined,
      inherited: stepFailuresOf(v.pod)[v.steps[i].name] ?? 0,
      last: v.steps[i].lastFailure,
      pod: v.pod.metadata?.name ?? '',
      timeoutSeconds: ctx.spec.initSteps![i].timeoutSeconds,
    }) ?? describeStep(v.steps[i], i, ctx.stepCount)
  );
}

export function withLastFailure<T extends { lastFailure?: LastFailure }>(
  entry: T,
  lastFailure: LastFailure | undefined,
): T {
  return lastFailure ? { ...entry, lastFailure } : entry;
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

/** progress orders Pods from least to most advanced. */
function progress(v: PodView, spec: AppSpec): number {
  const total = (spec.initSteps?.length ?? 0) + (spec.sidecars?.length ?? 0) + 1;
  return v.stepsDone + v.sidecarsReady + (v.ready ? total : v.app.state === 'Running' ? 0.5 : 0);
}
