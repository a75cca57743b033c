import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { ConditionType, Reason } from '../api/constants';
import type { AppSpec, AppStatus, Condition, HelperStatus, ParsedSpec, StepStatus } from '../api/schema';
import { printPod } from './print-pod';
import {
  containerStatus,
  isFinished,
  isInitialized,
  isPodReady,
  isTerminating,
  restartsOf,
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
  /** The status written last time, only to keep each condition's lastTransitionTime. */
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
}

const MAX_LOG_CHARS = 300;

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
    return clean({
      observedGeneration: generation,
      phase: 'Degraded',
      podStatus: 'InvalidSpec',
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      ready: `${live.filter(isPodReady).length}/${input.previous?.ready?.split('/')[1] ?? live.length}`,
      restarts: live.reduce((n, p) => n + restartsOf(p), 0),
      pods: pods.length ? pods : undefined,
      conditions,
    });
  }

  const spec = parsed.spec;
  const views = live
    .map((p) => viewPod(p, spec, input.sidecarMode ?? 'Native', now))
    .sort(
      (a, b) =>
        progress(a, spec) - progress(b, spec) || (a.pod.metadata?.name ?? '').localeCompare(b.pod.metadata?.name ?? ''),
    );
  const least = views[0];
  const wanted = spec.replicas;
  const readyReplicas = views.filter((v) => v.ready).length;
  const updatedReplicas = views.filter((v) => templateHashOf(v.pod) === input.hash).length;
  const stepCount = spec.initSteps?.length ?? 0;
  const sidecarCount = spec.sidecars?.length ?? 0;
  const several = views.length > 1;
  const howMany = (match: (v: PodView) => boolean) =>
    several ? ` (${views.filter(match).length} of ${views.length} Pods)` : '';

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
    const i = initBlocked.stepsDone;
    const step = initBlocked.steps[i];
    const same = (v: PodView) => v.stepsDone === i && v.steps[i]?.state === step.state;
    const { reason, message } = describeStep(step, i, stepCount);
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
    const s = sidecarBlocked.sidecars.find((h) => !h.ready)!;
    const looping = s.reason === 'CrashLoopBackOff' || (s.state === 'Terminated' && (s.exitCode ?? 0) !== 0);
    cond(
      ConditionType.SidecarsReady,
      'False',
      looping ? Reason.SidecarCrashLooping : Reason.SidecarsNotReady,
      `${sidecarBlocked.sidecarsReady}/${sidecarCount} sidecars ready; ${describeHelper('sidecar', s)}` +
        howMany((v) => v.sidecars.some((h) => h.name === s.name && !h.ready)),
    );
  }

  // Degraded: something a person has to look at.
  const crashingStep = views.map((v) => ({ v, s: v.steps[v.stepsDone] })).find(({ s }) => s && s.state === 'Failed');
  const crashingSidecar = views
    .flatMap((v) => v.sidecars)
    .find((h) => h.reason === 'CrashLoopBackOff' || (h.state === 'Terminated' && (h.exitCode ?? 0) !== 0));
  const crashingApp = views
    .map((v) => v.app)
    .find((h) => h.reason === 'CrashLoopBackOff' || (h.state === 'Terminated' && (h.exitCode ?? 0) !== 0));
  if (input.failure) cond(ConditionType.Degraded, 'True', input.failure.reason, input.failure.message);
  else if (crashingStep) {
    const { reason, message } = describeStep(crashingStep.s, crashingStep.v.stepsDone, stepCount);
    cond(ConditionType.Degraded, 'True', reason, message);
  } else if (crashingSidecar)
    cond(ConditionType.Degraded, 'True', Reason.SidecarCrashLooping, describeHelper('sidecar', crashingSidecar));
  else if (crashingApp)
    cond(
      ConditionType.Degraded,
      'True',
      crashingApp.reason === 'CrashLoopBackOff' ? Reason.AppCrashLooping : Reason.AppFailed,
      describeHelper('app', crashingApp),
    );
  else cond(ConditionType.Degraded, 'False', Reason.AsExpected, 'nothing is failing');

  // Progressing
  const settled = views.length === wanted && updatedReplicas === wanted && input.pods.length === live.length;
  if (settled)
    cond(
      ConditionType.Progressing,
      'False',
      Reason.Complete,
      `${wanted} Pod${wanted === 1 ? '' : 's'} with the current template`,
    );
  else if (updatedReplicas < views.length)
    cond(
      ConditionType.Progressing,
      'True',
      Reason.RollingUpdate,
      `${updatedReplicas} of ${wanted} Pods have the current template`,
    );
  else cond(ConditionType.Progressing, 'True', Reason.CreatingPods, `${views.length} of ${wanted} Pods exist`);

  // Ready
  if (wanted === 0) cond(ConditionType.Ready, 'True', Reason.NoReplicas, 'replicas is 0: no Pods are wanted');
  else if (readyReplicas >= wanted && updatedReplicas >= wanted)
    cond(ConditionType.Ready, 'True', Reason.PodsReady, `${readyReplicas}/${wanted} Pods are ready`);
  else
    cond(
      ConditionType.Ready,
      'False',
      views.length ? Reason.PodsNotReady : Reason.PodsPending,
      views.length
        ? `${readyReplicas}/${wanted} Pods are ready; the least advanced is ${least.printed.status}`
        : 'no Pod exists yet',
    );

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
    initProgress: `${least ? least.stepsDone : 0}/${stepCount}`,
    sidecarsReady: `${least ? least.sidecarsReady : 0}/${sidecarCount}`,
    restarts: views.reduce((n, v) => n + restartsOf(v.pod), 0),
    initSteps: least
      ? least.steps.length
        ? least.steps
        : undefined
      : stepCount
        ? spec.initSteps!.map((s) => ({ name: s.name, state: 'Waiting' as const }))
        : undefined,
    sidecars: least
      ? least.sidecars.length
        ? least.sidecars
        : undefined
      : sidecarCount
        ? spec.sidecars!.map((s) => ({ name: s.name, state: 'Waiting' as const, ready: false, restartCount: 0 }))
        : undefined,
    app: least ? least.app : { name: spec.app.name, state: 'Waiting', ready: false, restartCount: 0 },
    pods: views.length
      ? views.map((v) => podEntry(v.pod, now)).sort((a, b) => a.name.localeCompare(b.name))
      : undefined,
    conditions,
  });
}

function viewPod(pod: V1Pod, spec: AppSpec, mode: 'Native' | 'Classic', now: Date): PodView {
  const steps = (spec.initSteps ?? []).map((s) => stepStatus(s.name, containerStatus(pod, s.name, true)));
  // Each Pod as it was rendered: a Pod made before the Auto mode changed (the template hash does
  // not cover the operator's choice) keeps its sidecars where they were.
  const sidecars = (spec.sidecars ?? []).map((s) =>
    helperStatus(
      s.name,
      containerStatus(pod, s.name, mode === 'Native') ?? containerStatus(pod, s.name, mode !== 'Native'),
    ),
  );
  const app = helperStatus(spec.app.name, containerStatus(pod, spec.app.name, false));
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
  };
}

/** progress orders Pods from least to most advanced. */
function progress(v: PodView, spec: AppSpec): number {
  const total = (spec.initSteps?.length ?? 0) + (spec.sidecars?.length ?? 0) + 1;
  return v.stepsDone + v.sidecarsReady + (v.ready ? total : v.app.state === 'Running' ? 0.5 : 0);
}

export function stepStatus(name: string, cs: V1ContainerStatus | undefined): StepStatus {
  const state = cs?.state;
  if (state?.terminated) {
    const t = state.terminated;
    return {
      name,
      state: (t.exitCode ?? 0) === 0 ? 'Succeeded' : 'Failed',
      restartCount: cs!.restartCount ?? 0,
      exitCode: t.exitCode ?? 0,
      reason: t.reason,
      message: lastLines(t.message),
      startedAt: toIso(t.startedAt),
      finishedAt: toIso(t.finishedAt),
    };
  }
  if (state?.running)
    return { name, state: 'Running', restartCount: cs!.restartCount ?? 0, startedAt: toIso(state.running.startedAt) };
  const last = cs?.lastState?.terminated;
  if (state?.waiting?.reason === 'CrashLoopBackOff' && last) {
    return {
      name,
      state: 'Failed',
      restartCount: cs!.restartCount ?? 0,
      exitCode: last.exitCode,
      reason: 'CrashLoopBackOff',
      message: lastLines(last.message) ?? state.waiting.message,
      startedAt: toIso(last.startedAt),
      finishedAt: toIso(last.finishedAt),
    };
  }
  return {
    name,
    state: 'Waiting',
    restartCount: cs?.restartCount ?? 0,
    reason: state?.waiting?.reason,
    message: state?.waiting?.message,
  };
}

export function helperStatus(name: string, cs: V1ContainerStatus | undefined): HelperStatus {
  const state = cs?.state;
  const base = { name, ready: !!cs?.ready, restartCount: cs?.restartCount ?? 0 };
  if (state?.running) return { ...base, state: 'Running' };
  if (state?.terminated)
    return {
      ...base,
      state: 'Terminated',
      exitCode: state.terminated.exitCode,
      reason: state.terminated.reason,
      message: lastLines(state.terminated.message),
    };
  const last = cs?.lastState?.terminated;
  return {
    ...base,
    state: 'Waiting',
    reason: state?.waiting?.reason,
    message:
      state?.waiting?.reason === 'CrashLoopBackOff' && last
        ? (lastLines(last.message) ?? state.waiting.message)
        : state?.waiting?.message,
    ...(state?.waiting?.reason === 'CrashLoopBackOff' && last ? { exitCode: last.exitCode } : {}),
  };
}

function describeStep(step: StepStatus, i: number, total: number): { reason: string; message: string } {
  const at = `step ${i + 1}/${total} ${step.name}`;
  const logs = step.message ? `: ${step.message}` : '';
  switch (step.state) {
    case 'Running':
      return { reason: Reason.InitStepRunning, message: `${at} running` };
    case 'Failed':
      return step.reason === 'CrashLoopBackOff'
        ? {
            reason: Reason.InitStepCrashLooping,
            message: `${at} keeps failing (exit code ${step.exitCode}, ${step.restartCount} restarts)${logs}`,
          }
        : {
            reason: Reason.InitStepFailed,
            message: `${at} failed with exit code ${step.exitCode}${step.reason ? ` (${step.reason})` : ''}${logs}`,
          };
    default:
      return {
        reason: Reason.InitStepWaiting,
        message: `${at} waiting${step.reason ? ` (${step.reason}${step.message ? `: ${step.message}` : ''})` : ''}`,
      };
  }
}

function describeHelper(kind: string, h: HelperStatus): string {
  const logs = h.message ? `: ${h.message}` : '';
  if (h.reason === 'CrashLoopBackOff')
    return `${kind} ${h.name} keeps failing (exit code ${h.exitCode ?? '?'}, ${h.restartCount} restarts)${logs}`;
  if (h.state === 'Terminated') return `${kind} ${h.name} exited with code ${h.exitCode}${logs}`;
  if (h.state === 'Running') return `${kind} ${h.name} is running but not ready`;
  return `${kind} ${h.name} is waiting${h.reason ? ` (${h.reason})` : ''}${logs}`;
}

/** lastLines keeps the end of a termination message: that is where the error usually is. */
function lastLines(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const lines = message.trim().split('\n').slice(-3).join(' | ');
  return lines.length > MAX_LOG_CHARS ? `…${lines.slice(-MAX_LOG_CHARS)}` : lines;
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
