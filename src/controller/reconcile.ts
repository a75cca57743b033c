import type { V1Pod } from '@kubernetes/client-node';
import { ConditionType, Reason } from '../api/constants';
import type { AppStatus, AppWithHelpers } from '../api/schema';
import { planPods } from '../core/plan';
import { isControlledBy } from '../core/pod-facts';
import { msUntilDeadline } from '../core/progress';
import type { RenderOptions } from '../core/render';
import { deriveStatus } from '../core/status';
import { msUntilStepTimeout } from '../core/step-attempts';
import { ApiError } from '../k8s/api-error';
import type { Logger } from '../obs/logger';
import { applyActions, type EventTuple, type PodWriter } from './apply-actions';
import { PermanentError, TransientError } from './errors';
import type { Expectations } from './expectations';
import type { LastWritten } from './last-written';
import { renderSpec, type SpecMemo } from './spec-memo';
import { noStatusYet, statusWriteDecision } from './status-write';

/** The writes reconcile makes; KubeClient in production, a recorder in tests. */
export interface Writer extends PodWriter {
  /** patchStatus sends what changed from `stored`; it resolves with the object's new resourceVersion. */
  patchStatus(app: AppWithHelpers, status: AppStatus, stored: AppStatus | undefined): Promise<string | undefined>;
  recordEvent(
    app: AppWithHelpers,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: Date,
  ): Promise<void>;
}

export interface ReconcileDeps {
  getApp(key: string): AppWithHelpers | undefined;
  /** When a key's in-flux status was first held back (see status-write.ts); kept across reconciles. */
  heldSince: Map<string, number>;
  /** Whether the operator is busy: its rate limit spent or keys waiting (see status-write.ts). */
  busy?(): boolean;
  /** Pods carrying the app's label in its namespace, from the cache. */
  podsOf(key: string): V1Pod[];
  writer: Writer;
  expectations: Expectations;
  /** The statuses this process wrote that the cache may not show yet. */
  lastWritten: LastWritten;
  render: RenderOptions;
  /** Rendered specs of the apps reconciled lately (see spec-memo.ts); without it each reconcile renders anew. */
  specs?: SpecMemo;
  log: Logger;
  now(): Date;
}

export type Outcome = 'deleted' | 'unchanged' | 'updated' | 'invalid' | 'waiting' | 'held';

/**
 * What a pass did, and when to look at the key again: the earliest deadline the pass knows of (a
 * step's timeout, the progress deadline, the end of a status hold, expectations timing out), or
 * none when only a change to the object or its Pods can bring news. It replaces the look an earlier
 * pass asked for (see runtime/queue.ts).
 */
export interface ReconcileResult {
  outcome: Outcome;
  requeueAfterMs?: number;
}

/**
 * reconcile converges one AppWithHelpers: read the caches, plan, apply, derive the status and
 * write it once, only if it changed. A thrown error makes the queue retry with backoff, but for a
 * PermanentError.
 */
export async function reconcile(key: string, d: ReconcileDeps): Promise<ReconcileResult> {
  const app = d.getApp(key);
  if (!app || app.metadata.deletionTimestamp) {
    d.expectations.forget(key); // owned Pods go with it: the garbage collector follows owner references
    d.heldSince.delete(key);
    d.lastWritten.forget(key);
    return { outcome: 'deleted' };
  }
  const now = d.now();
  let stored = d.lastWritten.statusOf(key, app);
  const { parsed, mode, template } = renderSpec(app, d.render, d.specs);
  const named = d.podsOf(key);
  const pods = named.filter((p) => isControlledBy(p, app.metadata.uid));
  // Pods of an earlier AppWithHelpers of this name, which the garbage collector is removing: their
  // names are taken, so new Pods take the next free names instead of failing on AlreadyExists.
  const takenNames = named.filter((p) => !isControlledBy(p, app.metadata.uid)).map((p) => p.metadata!.name!);

  let failure: { reason: string; message: string; permanent: boolean } | undefined;
  let wrote = false;
  const events: EventTuple[] = [];
  const waiting = parsed.ok && !d.expectations.satisfied(key);
  const derive = () =>
    deriveStatus({
      generation: app.metadata.generation,
      parsed,
      pods,
      hash: template?.hash,
      sidecarMode: mode,
      failure,
      previous: stored,
      now,
    });
  if (parsed.ok && template && !waiting) {
    const actions = planPods({
      appName: app.metadata.name,
      spec: parsed.spec,
      pods,
      template: template.pod,
      hash: template.hash,
      takenNames,
      now,
    });
    // kstatus reads an object without a status as Current, so the first is written in this pass. It is
    // sent beside the Pod creates, not after them: a new object's first pass then costs one round trip,
    // not two. A create that fails makes the status below differ from this one: it is written after it.
    const firstStatus = noStatusYet(stored) && actions.length > 0 ? derive() : undefined;
    const firstWrite = firstStatus && settle(d.writer.patchStatus(app, firstStatus, stored));
    failure = await applyActions(key, app, actions, pods, d.writer, d.expectations, events);
    wrote = actions.length > 0;
    if (firstWrite && firstStatus) {
      const written = await firstWrite;
      // Deleted since the cache showed it: nothing to report on, and its delete event tidies up.
      if ('error' in written && written.error instanceof ApiError && written.error.status === 404)
        return { outcome: 'deleted' };
      // Any other failure is not thrown here: the creates' Events and a FailedCreate would be lost with
      // it. The object still has no status, so the write below tries again after the Events and throws.
      if ('value' in written) {
        d.lastWritten.remember(key, app, written.value, firstStatus);
        stored = firstStatus;
      }
    }
  }

  const status = derive();
  // A status from a cache that lags this process's own Pod writes may show a moment that never was
  // (see statusWriteDecision): it is not written, and warns of nothing.
  if (!waiting || noStatusYet(stored)) events.push(...transitionEvents(stored, status));
  // Events are not on the way to the status: send them without waiting (the client still rate-limits them).
  for (const [type, reason, message] of events) {
    d.writer
      .recordEvent(app, type, reason, message, now)
      .catch((err) => d.log.warn('event not recorded', { key, reason, error: (err as Error).message }));
  }
  // A rollout still under way is looked at again when its progress deadline passes, even if no Pod changes.
  let next = parsed.ok ? msUntilDeadline(status, parsed.spec.progressDeadlineSeconds, now) : undefined;
  // A step running toward its timeoutSeconds sends no event when the time is up: look again then.
  next = earliest(next, parsed.ok ? msUntilStepTimeout(pods, parsed.spec, now) : undefined);
  // Expectations that are never met (a watch event lost) time out: the pass waiting for them plans again then.
  if (waiting) next = earliest(next, d.expectations.msUntilExpired(key));
  const decision = statusWriteDecision({
    status,
    stored,
    cacheBehind: waiting,
    podsWritten: wrote,
    failed: !!failure,
    heldSince: d.heldSince.get(key),
    busy: d.busy?.() ?? false,
    now: now.getTime(),
  });
  let held = false;
  if (decision.kind === 'skip' && decision.why === 'unchanged') {
    d.heldSince.delete(key);
  } else if (decision.kind === 'hold') {
    d.heldSince.set(key, decision.since);
    next = earliest(next, decision.ms);
    held = true;
  } else if (decision.kind === 'write') {
    try {
      d.lastWritten.remember(key, app, await d.writer.patchStatus(app, status, stored), status);
    } catch (err) {
      // Deleted since the cache showed it: nothing to report on, and its delete event tidies up.
      if (err instanceof ApiError && err.status === 404) return { outcome: 'deleted' };
      throw err;
    }
    d.heldSince.delete(key);
    wrote = true;
  }
  if (failure && !failure.permanent) throw new TransientError(failure.reason, failure.message, next);
  if (failure) throw new PermanentError(failure.message, next);
  const outcome = !parsed.ok ? 'invalid' : waiting ? 'waiting' : held ? 'held' : wrote ? 'updated' : 'unchanged';
  return { outcome, requeueAfterMs: next };
}

/** earliest of two looks, either of which may be none. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** settle waits for a promise without letting its rejection go unhandled while other work is awaited. */
function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/**
 * transitionEvents fires a Warning only when a problem appears or changes, never on every pass:
 * one that makes the app Degraded, or an optional sidecar failing (which never does).
 */
function transitionEvents(before: AppStatus | undefined, after: AppStatus): EventTuple[] {
  const events: EventTuple[] = [];
  const was = before?.conditions?.find((c) => c.type === ConditionType.Degraded);
  const is = after.conditions?.find((c) => c.type === ConditionType.Degraded);
  if (is?.status === 'True' && (was?.status !== 'True' || was.reason !== is.reason))
    events.push(['Warning', is.reason, is.message]);
  const sidecarsWere = before?.conditions?.find((c) => c.type === ConditionType.SidecarsReady);
  const sidecarsAre = after.conditions?.find((c) => c.type === ConditionType.SidecarsReady);
  if (sidecarsAre?.reason === Reason.OptionalSidecarCrashLooping && sidecarsWere?.reason !== sidecarsAre.reason)
    events.push(['Warning', sidecarsAre.reason, sidecarsAre.message]);
  return events;
}
