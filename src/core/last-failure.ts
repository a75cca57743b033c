import type { V1ContainerStateTerminated, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { Reason } from '../api/constants';
import type { AppSpec } from '../api/spec';
import type { AppStatus, LastFailure } from '../api/status';
import { lastLines } from './helper-status';
import { containerStatus, isFinished, isTerminating, KubeletReason, templateHashOf, toIso } from './pod-facts';

/**
 * A memory of failures: each init step, sidecar and the app keeps its last failure (exit code, reason,
 * message, time, Pod) across Pod replacements and rollouts, until it succeeds with the current
 * template. A container status forgets a failure when its Pod is replaced; this does not. One
 * entry per helper, so it stays bounded however long something fails.
 */

export interface FailureInput {
  spec: AppSpec;
  /** Every Pod observed, those on their way out included: a failed Pod is often deleted at once. */
  pods: V1Pod[];
  hash?: string;
  mode: 'Native' | 'Classic';
  previous?: AppStatus;
  now: Date;
}

/** stepFailures gives each init step's last failure (undefined: none to remember). */
export function stepFailures(input: FailureInput): Map<string, LastFailure | undefined> {
  const out = new Map<string, LastFailure | undefined>();
  for (const step of input.spec.initSteps ?? []) {
    const seen = input.pods.flatMap((pod) => {
      const cs = containerStatus(pod, step.name, true);
      if (succeeded(cs)) return [];
      const timedOut = timedOutFailure(pod, cs, step.timeoutSeconds, input.now);
      // A step killed with its Pod after its timeoutSeconds (the operator deleted the Pod for it) ran out
      // of time; the kubelet's kill (exit code 137) is not a failure of its own.
      const killedForTime = !!timedOut && !cs?.state?.running;
      const failed =
        (killedForTime ? undefined : failureOf(pod, cs?.state?.terminated)) ??
        failureOf(pod, cs?.lastState?.terminated);
      return [failed, timedOut]
        .filter((f): f is LastFailure => !!f)
        .map((failure) => ({ failure, hash: templateHashOf(pod) }));
    });
    const done = input.pods.some(
      (pod) => templateHashOf(pod) === input.hash && succeeded(containerStatus(pod, step.name, true)),
    );
    const before = input.previous?.initSteps?.find((s) => s.name === step.name)?.lastFailure;
    out.set(step.name, remembered(seen, done, before, input.hash));
  }
  return out;
}

/** sidecarFailures gives each sidecar's last failure; being ready with the current template clears it. */
export function sidecarFailures(input: FailureInput): Map<string, LastFailure | undefined> {
  const out = new Map<string, LastFailure | undefined>();
  for (const sidecar of input.spec.sidecars ?? []) {
    const status = (pod: V1Pod) =>
      containerStatus(pod, sidecar.name, input.mode === 'Native') ??
      containerStatus(pod, sidecar.name, input.mode !== 'Native');
    const before = input.previous?.sidecars?.find((s) => s.name === sidecar.name)?.lastFailure;
    // A sidecar runs until its Pod ends: terminated in a Pod that failed (a step out of attempts) or
    // is being deleted (timed out, rolled), it was stopped with the Pod.
    out.set(
      sidecar.name,
      longRunningFailure(input, status, before, (pod) => isFinished(pod) || isTerminating(pod)),
    );
  }
  return out;
}

/** appFailure gives the app container's last failure, as a sidecar's: being ready with the current template clears it. */
export function appFailure(input: FailureInput): LastFailure | undefined {
  const name = input.spec.app.name;
  // Only a Pod being deleted stops the app: in a Pod that failed, it failed (a podTemplate with
  // restartPolicy Never fails the Pod when the app exits non-zero).
  return longRunningFailure(
    input,
    (pod) => containerStatus(pod, name, false),
    input.previous?.app?.lastFailure,
    isTerminating,
  );
}

/** The last failure of a container that runs for its Pod's whole life (a sidecar, the app). */
function longRunningFailure(
  input: FailureInput,
  status: (pod: V1Pod) => V1ContainerStatus | undefined,
  before: LastFailure | undefined,
  stoppedWithPod: (pod: V1Pod) => boolean,
): LastFailure | undefined {
  const seen = input.pods.flatMap((pod) => {
    const cs = status(pod);
    if (cs?.ready) return [];
    // Terminated in a Pod that stopped it, it did not fail; its earlier crashes are in lastState.
    const failed =
      (stoppedWithPod(pod) ? undefined : failureOf(pod, cs?.state?.terminated)) ??
      failureOf(pod, cs?.lastState?.terminated);
    return failed ? [{ failure: failed, hash: templateHashOf(pod) }] : [];
  });
  const done = input.pods.some((pod) => templateHashOf(pod) === input.hash && !!status(pod)?.ready);
  return remembered(seen, done, before, input.hash);
}

/** failuresChanged: a failure not yet written must be, even in a pass that replaced Pods (they may be gone by the next). */
export function failuresChanged(before: AppStatus | undefined, after: AppStatus): boolean {
  const of = (s: AppStatus | undefined) => [
    ...(s?.initSteps ?? []).map((e) => [e.name, e.lastFailure]),
    ...(s?.sidecars ?? []).map((e) => [e.name, e.lastFailure]),
    ['app', s?.app?.lastFailure],
  ];
  return !isDeepStrictEqual(of(before), of(after));
}

function succeeded(cs: V1ContainerStatus | undefined): boolean {
  return cs?.state?.terminated?.exitCode === 0;
}

function failureOf(pod: V1Pod, t: V1ContainerStateTerminated | undefined): LastFailure | undefined {
  if (!t || (t.exitCode ?? 0) === 0) return undefined;
  return {
    exitCode: t.exitCode,
    reason: t.reason ?? KubeletReason.Error,
    message: lastLines(t.message),
    time: toIso(t.finishedAt),
    pod: pod.metadata?.name ?? '',
  };
}

/** A run past timeoutSeconds; how long it ran is the deadline itself: the operator ends it then. */
function timedOutFailure(
  pod: V1Pod,
  cs: V1ContainerStatus | undefined,
  timeoutSeconds: number | undefined,
  now: Date,
): LastFailure | undefined {
  // Running, or stopped with its Pod being deleted (the operator deletes a timed-out one): until then.
  const killed = isTerminating(pod) ? cs?.state?.terminated : undefined;
  const started = cs?.state?.running?.startedAt ?? killed?.startedAt;
  if (timeoutSeconds === undefined || !started) return undefined;
  const at = new Date(started).getTime() + timeoutSeconds * 1000;
  const until = killed?.finishedAt ? new Date(killed.finishedAt).getTime() : now.getTime();
  if (!(at <= until)) return undefined; // not yet, or a start time that is not a time
  return {
    reason: Reason.StepTimedOut,
    message: `still running after ${timeoutSeconds}s, its timeoutSeconds`,
    time: toIso(new Date(at)),
    pod: pod.metadata?.name ?? '',
  };
}

/**
 * remembered: the newest failure seen, else the one written before; a success with the current
 * template forgets it, and from then on failures of older Pods still on their way out do not count.
 */
function remembered(
  seen: Array<{ failure: LastFailure; hash?: string }>,
  done: boolean,
  before: LastFailure | undefined,
  hash: string | undefined,
): LastFailure | undefined {
  const counted = done ? seen.filter((s) => s.hash === hash) : seen;
  return newest(counted.map((s) => s.failure)) ?? (done ? undefined : before);
}

function newest(failures: LastFailure[]): LastFailure | undefined {
  return failures.reduce<LastFailure | undefined>(
    (a, b) => (!a || Date.parse(b.time ?? '') > Date.parse(a.time ?? '') ? b : a),
    undefined,
  );
}
