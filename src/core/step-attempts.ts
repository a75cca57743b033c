import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_STEP_FAILURES } from '../api/constants';
import type { AppSpec, InitStep } from '../api/spec';
import { containerStatus } from './pod-facts';

/**
 * Attempts of init steps: deadlines (timeoutSeconds) and retry budgets (retries).
 *
 * An attempt is a Pod. Kubernetes v1.36 has no per-container deadline, so the only way to end a
 * step that runs too long is to replace its Pod; and a step with a retry budget fails its Pod
 * (container restartPolicy Never) instead of restarting in it, so the last failing Pod can be kept
 * for `kubectl logs` while nothing restarts it. Each replacement carries the failed attempts of the
 * Pods before it in the same slot with the same template (ANNOTATION_STEP_FAILURES), so the budget
 * is read from the Pods themselves; a new template (a spec change, helpers.dev/restartedAt) starts
 * with none. A step without a budget still restarts in place, as before: those restarts are the
 * kubelet's, not attempts.
 */

/** Why an attempt ended: its step failed (the Pod failed) or ran past its timeoutSeconds. */
export interface AttemptEnd {
  step: InitStep;
  index: number;
  kind: 'Failed' | 'TimedOut';
  /** Failed attempts of this step in this slot with this template, this one included. */
  failures: number;
  /** No attempt is left: the Pod is kept and no new one made until the template changes. */
  exhausted: boolean;
  /** For TimedOut: how long the step has run, in seconds. */
  ranSeconds?: number;
}

export type StepFailures = Record<string, number>;

/** stepFailuresOf reads the failed attempts a Pod inherited from the Pods before it in its slot. */
export function stepFailuresOf(pod: V1Pod): StepFailures {
  const raw = pod.metadata?.annotations?.[ANNOTATION_STEP_FAILURES];
  const out: StepFailures = {};
  for (const part of (raw ?? '').split(',')) {
    const [name, count] = part.split('=');
    const n = Number(count);
    if (name && Number.isInteger(n) && n > 0) out[name] = n;
  }
  return out;
}

export function formatStepFailures(failures: StepFailures): string {
  return Object.entries(failures)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, n]) => `${name}=${n}`)
    .join(',');
}

/** failuresAfter is what a Pod replacing `pod` inherits: its failures, plus the one that ended it. */
export function failuresAfter(pod: V1Pod, end: AttemptEnd | undefined): StepFailures {
  const failures = stepFailuresOf(pod);
  if (end) failures[end.step.name] = end.failures;
  return failures;
}

/** The seconds a step's current run has lasted, when it is running. */
export function runningSeconds(pod: V1Pod, step: string, now: Date): number | undefined {
  const started = containerStatus(pod, step, true)?.state?.running?.startedAt;
  if (!started) return undefined;
  return Math.max(0, Math.floor((now.getTime() - new Date(started).getTime()) / 1000));
}

/**
 * attemptEnd says whether this Pod's attempt is over because of an init step: the Pod failed
 * with a step terminated in error, or a step has run for its timeoutSeconds or longer.
 */
export function attemptEnd(pod: V1Pod, spec: AppSpec, now: Date): AttemptEnd | undefined {
  const steps = spec.initSteps ?? [];
  const inherited = stepFailuresOf(pod);
  const end = (index: number, kind: AttemptEnd['kind'], ranSeconds?: number): AttemptEnd => {
    const step = steps[index];
    const failures = (inherited[step.name] ?? 0) + 1;
    const exhausted = step.retries !== undefined && failures > step.retries;
    return { step, index, kind, failures, exhausted, ...(ranSeconds !== undefined ? { ranSeconds } : {}) };
  };
  if (pod.status?.phase === 'Failed') {
    const i = steps.findIndex((s) => (containerStatus(pod, s.name, true)?.state?.terminated?.exitCode ?? 0) !== 0);
    return i < 0 ? undefined : end(i, 'Failed');
  }
  if (pod.status?.phase === 'Succeeded') return undefined;
  for (const [i, s] of steps.entries()) {
    if (s.timeoutSeconds === undefined) continue;
    const ran = runningSeconds(pod, s.name, now);
    if (ran !== undefined && ran >= s.timeoutSeconds) return end(i, 'TimedOut', ran);
  }
  return undefined;
}

/** msUntilStepTimeout: when the next running step reaches its timeoutSeconds, so it is noticed without a Pod event. */
export function msUntilStepTimeout(pods: V1Pod[], spec: AppSpec, now: Date): number | undefined {
  let soonest: number | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded')
      continue;
    for (const s of spec.initSteps ?? []) {
      const started = containerStatus(pod, s.name, true)?.state?.running?.startedAt;
      if (s.timeoutSeconds === undefined || !started) continue;
      const ms = new Date(started).getTime() + s.timeoutSeconds * 1000 - now.getTime();
      if (ms > 0 && (soonest === undefined || ms < soonest)) soonest = ms;
    }
  }
  return soonest === undefined ? undefined : soonest + 50;
}
