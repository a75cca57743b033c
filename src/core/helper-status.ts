import type { V1ContainerStatus, V1ContainerStateTerminated } from '@kubernetes/client-node';
import { Reason } from '../api/constants';
import type { HelperStatus, LastFailure, StepStatus } from '../api/status';
import type { AttemptEnd } from './step-attempts';
import { KubeletReason, toIso } from './pod-facts';

/**
 * How one init step, sidecar or app container is doing, from its container status. A container
 * that failed and is being restarted shows the kubelet's turns (Error, then CrashLoopBackOff, then
 * Running, then Error again); what a person needs is the same through all of them: it keeps
 * failing, with the exit code, reason and last log lines of its last failure. So the entries keep
 * the last failure (lastState) while the container waits or runs again, and the condition reasons
 * and messages read from here change only when the situation does, never with a restart counter.
 */

const MAX_LOG_CHARS = 300;

export function stepStatus(name: string, cs: V1ContainerStatus | undefined): StepStatus {
  const state = cs?.state;
  const restartCount = cs?.restartCount ?? 0;
  if (state?.terminated) {
    const t = state.terminated;
    return {
      name,
      state: (t.exitCode ?? 0) === 0 ? 'Succeeded' : 'Failed',
      restartCount,
      exitCode: t.exitCode ?? 0,
      reason: t.reason,
      message: lastLines(t.message),
      startedAt: toIso(t.startedAt),
      finishedAt: toIso(t.finishedAt),
    };
  }
  const last = lastFailure(cs);
  if (state?.running)
    return { name, state: 'Running', restartCount, ...failure(last), startedAt: toIso(state.running.startedAt) };
  if (last)
    return {
      name,
      state: 'Failed',
      restartCount,
      ...failure(last),
      startedAt: toIso(last.startedAt),
      finishedAt: toIso(last.finishedAt),
    };
  return { name, state: 'Waiting', restartCount, reason: state?.waiting?.reason, message: state?.waiting?.message };
}

export function helperStatus(name: string, cs: V1ContainerStatus | undefined): HelperStatus {
  const state = cs?.state;
  const base = { name, ready: !!cs?.ready, restartCount: cs?.restartCount ?? 0 };
  if (state?.terminated)
    return {
      ...base,
      state: 'Terminated',
      exitCode: state.terminated.exitCode,
      reason: state.terminated.reason,
      message: lastLines(state.terminated.message),
    };
  // A ready container is past its failures; one not ready yet is still failing until it is.
  const last = cs?.ready ? undefined : lastFailure(cs);
  if (state?.running) return { ...base, state: 'Running', ...failure(last) };
  if (last) return { ...base, state: 'Waiting', ...failure(last) };
  return { ...base, state: 'Waiting', reason: state?.waiting?.reason, message: state?.waiting?.message };
}

/** A step crash-loops once it failed and was restarted, until it succeeds. */
export function isStepCrashLooping(s: StepStatus): boolean {
  return s.state !== 'Succeeded' && (s.restartCount ?? 0) >= 1 && (s.exitCode ?? 0) !== 0;
}

/** A sidecar or the app is failing while it is not ready and its last run ended with an error. */
export function isHelperFailing(h: HelperStatus): boolean {
  return !h.ready && (h.exitCode ?? 0) !== 0 && (h.state === 'Terminated' || h.restartCount >= 1);
}

export function describeStep(step: StepStatus, i: number, total: number): { reason: string; message: string } {
  const at = `step ${i + 1}/${total} ${step.name}`;
  const logs = step.message ? `: ${step.message}` : '';
  if (isStepCrashLooping(step))
    return { reason: Reason.InitStepCrashLooping, message: `${at} keeps failing (exit code ${step.exitCode})${logs}` };
  switch (step.state) {
    case 'Running':
      return { reason: Reason.InitStepRunning, message: `${at} running` };
    case 'Failed':
      return {
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

/**
 * describeAttempt speaks for a step whose attempts a Pod counts (step-attempts.ts): one that
 * failed or timed out in this Pod (`end`), or that failed in an earlier Pod of its slot and runs
 * again (`inherited` failures, with the remembered `last` one). Its messages carry no counter
 * while attempts remain, so the condition stays put from one attempt to the next.
 */
export function describeAttempt(
  step: StepStatus,
  i: number,
  total: number,
  at: { end?: AttemptEnd; inherited: number; last?: LastFailure; pod: string; timeoutSeconds?: number },
): { reason: string; message: string } | undefined {
  const where = `step ${i + 1}/${total} ${step.name}`;
  const { end } = at;
  if (end?.exhausted) {
    const what =
      end.kind === 'TimedOut'
        ? `ran past its timeoutSeconds (${end.step.timeoutSeconds}s)`
        : `failed with exit code ${step.exitCode}`;
    const logs = end.kind === 'Failed' && step.message ? `: ${step.message}` : '';
    return {
      reason: Reason.InitStepRetriesExhausted,
      message:
        `${where} ${what}${logs}; ${end.failures} attempt${end.failures === 1 ? '' : 's'} failed, retries (${end.step.retries}) are used up, so it is not run again; ` +
        `Pod ${at.pod} is kept for kubectl logs; change the spec or set the helpers.dev/restartedAt annotation in podTemplate to start over`,
    };
  }
  const timedOut = end?.kind === 'TimedOut' || (!end && at.inherited > 0 && at.last?.reason === Reason.StepTimedOut);
  if (timedOut && step.state !== 'Succeeded') {
    const seconds = end?.step.timeoutSeconds ?? at.timeoutSeconds;
    return {
      reason: Reason.StepTimedOut,
      message: `${where} ran past its timeoutSeconds (${seconds}s): the operator replaces its Pod to try again`,
    };
  }
  if (end?.kind === 'Failed' && at.inherited === 0) return undefined; // a first failure reads as any other
  if ((end?.kind === 'Failed' || at.inherited > 0) && step.state !== 'Succeeded') {
    const last = end ? { exitCode: step.exitCode, message: step.message } : at.last;
    if (!last) return undefined;
    const logs = last.message ? `: ${last.message}` : '';
    return {
      reason: Reason.InitStepCrashLooping,
      message: `${where} keeps failing (exit code ${last.exitCode})${logs}`,
    };
  }
  return undefined;
}

export function describeHelper(kind: string, h: HelperStatus): string {
  const logs = h.message ? `: ${h.message}` : '';
  if (isHelperFailing(h) && h.restartCount >= 1)
    return `${kind} ${h.name} keeps failing (exit code ${h.exitCode})${logs}`;
  if (h.state === 'Terminated')
    return h.exitCode === undefined
      ? `${kind} ${h.name} was ${h.message ?? 'stopped'}`
      : `${kind} ${h.name} exited with code ${h.exitCode}${logs}`;
  if (h.state === 'Running') return `${kind} ${h.name} is running but not ready`;
  return `${kind} ${h.name} is waiting${h.reason ? ` (${h.reason})` : ''}${logs}`;
}

/** The last run that ended in an error, kept by the kubelet in lastState while it restarts the container. */
function lastFailure(cs: V1ContainerStatus | undefined): V1ContainerStateTerminated | undefined {
  const last = cs?.lastState?.terminated;
  return last && (last.exitCode ?? 0) !== 0 ? last : undefined;
}

function failure(last: V1ContainerStateTerminated | undefined) {
  return last
    ? { exitCode: last.exitCode, reason: last.reason ?? KubeletReason.Error, message: lastLines(last.message) }
    : {};
}

/** lastLines keeps the end of a termination message: that is where the error usually is. */
export function lastLines(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const lines = message.trim().split('\n').slice(-3).join(' | ');
  return lines.length > MAX_LOG_CHARS ? `…${lines.slice(-MAX_LOG_CHARS)}` : lines;
}
