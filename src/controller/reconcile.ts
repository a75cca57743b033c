import type { V1Pod } from '@kubernetes/client-node';
import { ConditionType, Reason } from '../api/constants';
import type { AppStatus, AppWithHelpers } from '../api/status';
import { planPods } from '../core/plan';
import { isControlledBy } from '../core/pod-facts';
import { msUntilDeadline } from '../core/progress';
import type { RenderOptions } from '../core/render';
import { deriveStatus } from '../core/status';
import { msUntilStepTimeout } from '../core/step-attempts';
import { ApiError } from '../k8s/api-error';
import type { Logger } from '../obs/logger';
import { applyActions, type ApplyFailure, type EventTuple, type PodWriter } from './apply-actions';
import { PermanentError, StatusWriteError, TransientError } from './errors';
import type { Expectations } from './expectations';
import type { LastWritten } from './last-written';
import { renderSpec, type RenderedSpec, type SpecMemo } from './spec-memo';
import { noStatusYet, statusWriteDecision, type StatusWrite } from './status-write';

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
  /** Whether the operator is busy: its rate limit spent or many keys waiting (busy.ts, status-write.ts). */
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
  if (!app || app.metadata.deletionTimestamp) return forget(key, d);
  const pass = readCaches(key, app, d);
  const applied = await applyPlan(pass);
  if (applied.deleted) return { outcome: 'deleted' };
  const status = derive(pass, applied.failure);
  sendEvents(pass, status);
  const deadline = nextDeadline(pass, status);
  const write = await writeStatus(pass, status, applied).catch((err: unknown) => {
    throw new StatusWriteError(err, deadline);
  });
  if (write === 'deleted') return { outcome: 'deleted' };
  const requeueAfterMs = earliest(deadline, write.kind === 'hold' ? write.ms : undefined);
  const { failure } = applied;
  if (failure && !failure.permanent) throw new TransientError(failure.reason, failure.message, requeueAfterMs);
  if (failure) throw new PermanentError(failure.message, requeueAfterMs);
  return { outcome: outcomeOf(pass, applied, write), requeueAfterMs };
}

/** What one pass read of its AppWithHelpers, and what it has to tell. */
interface Pass {
  key: string;
  app: AppWithHelpers;
  d: ReconcileDeps;
  now: Date;
  spec: RenderedSpec;
  /** The Pods the app controls. */
  pods: V1Pod[];
  /**
   * Names of Pods of an earlier AppWithHelpers of this name, which the garbage collector is removing:
   * new Pods take the next free names instead of failing on AlreadyExists.
   */
  takenNames: string[];
  /** The status last written: this process's own write, or the cache's; the pass's first write updates it. */
  stored: AppStatus | undefined;
  /** This process's own Pod writes are not in the cache yet: nothing is planned (see Expectations). */
  waiting: boolean;
  events: EventTuple[];
}

/** What applying the plan did. */
interface Applied {
  podsWritten: boolean;
  failure?: ApplyFailure;
  /** The object was gone when the first status was written. */
  deleted?: boolean;
}

/** forget drops what is kept of a deleted AppWithHelpers. */
function forget(key: string, d: ReconcileDeps): ReconcileResult {
  d.expectations.forget(key); // owned Pods go with it: the garbage collector follows owner references
  d.heldSince.delete(key);
  d.lastWritten.forget(key);
  return { outcome: 'deleted' };
}

function readCaches(key: string, app: AppWithHelpers, d: ReconcileDeps): Pass {
  const spec = renderSpec(app, d.render, d.specs);
  const named = d.podsOf(key);
  const ours = (p: V1Pod) => isControlledBy(p, app.metadata.uid);
  return {
    key,
    app,
    d,
    now: d.now(),
    spec,
    pods: named.filter(ours),
    takenNames: named.filter((p) => !ours(p)).map((p) => p.metadata!.name!),
    stored: d.lastWritten.statusOf(key, app),
    waiting: spec.parsed.ok && !d.expectations.satisfied(key),
    events: [],
  };
}

/** applyPlan plans the Pods and sends the creates and deletes; nothing while the cache lags its own writes. */
async function applyPlan(p: Pass): Promise<Applied> {
  const { parsed, template } = p.spec;
  if (!parsed.ok || !template || p.waiting) return { podsWritten: false };
  const { app, d } = p;
  const actions = planPods({
    appName: app.metadata.name,
    spec: parsed.spec,
    pods: p.pods,
    template: template.pod,
    hash: template.hash,
    takenNames: p.takenNames,
    now: p.now,
  });
  // kstatus reads an object without a status as Current, so the first is written in this pass. It is
  // sent beside the Pod creates, not after them: a new object's first pass then costs one round trip,
  // not two. A create that fails makes the status derived after it differ: that is written after it.
  const firstStatus = noStatusYet(p.stored) && actions.length > 0 ? derive(p, undefined) : undefined;
  const firstWrite = firstStatus && settle(d.writer.patchStatus(app, firstStatus, p.stored));
  const failure = await applyActions(p.key, app, actions, p.pods, d.writer, d.expectations, p.events);
  const applied = { podsWritten: actions.length > 0, failure };
  if (!firstWrite || !firstStatus) return applied;
  return { ...applied, deleted: !firstWritten(p, firstStatus, await firstWrite) };
}

/** firstWritten takes in the answer to the first status write; false if the object is gone. */
function firstWritten(p: Pass, status: AppStatus, written: Settled<string | undefined>): boolean {
  // Deleted since the cache showed it: nothing to report on, and its delete event tidies up.
  if ('error' in written) return !isNotFound(written.error);
  // Any other failure is not thrown here: the creates' Events and a FailedCreate would be lost with
  // it. The object still has no status, so this pass's status write, after the Events, tries again and throws.
  p.d.lastWritten.remember(p.key, p.app, written.value, status);
  p.stored = status;
  return true;
}

function derive(p: Pass, failure: ApplyFailure | undefined): AppStatus {
  return deriveStatus({
    generation: p.app.metadata.generation,
    parsed: p.spec.parsed,
    pods: p.pods,
    hash: p.spec.template?.hash,
    sidecarMode: p.spec.mode,
    failure,
    previous: p.stored,
    now: p.now,
  });
}

/** sendEvents sends the pass's Events and the Warnings its status calls for. */
function sendEvents(p: Pass, status: AppStatus): void {
  // A status from a cache that lags this process's own Pod writes may show a moment that never was
  // (see statusWriteDecision): it is not written, and warns of nothing.
  if (!p.waiting || noStatusYet(p.stored)) p.events.push(...transitionEvents(p.stored, status));
  // Events are not on the way to the status: send them without waiting (the client still rate-limits them).
  for (const [type, reason, message] of p.events) {
    p.d.writer
      .recordEvent(p.app, type, reason, message, p.now)
      .catch((err) => p.d.log.warn('event not recorded', { key: p.key, reason, error: (err as Error).message }));
  }
}

/** nextDeadline is the earliest time that brings news no event announces. */
function nextDeadline(p: Pass, status: AppStatus): number | undefined {
  const { parsed } = p.spec;
  if (!parsed.ok) return undefined;
  return earliest(
    // A rollout still under way is looked at again when its progress deadline passes, even if no Pod changes.
    msUntilDeadline(status, parsed.spec.progressDeadlineSeconds, p.now),
    // A step running toward its timeoutSeconds sends no event when the time is up.
    msUntilStepTimeout(p.pods, parsed.spec, p.now),
    // Expectations that are never met (a watch event lost) time out: the pass waiting for them plans again then.
    p.waiting ? p.d.expectations.msUntilExpired(p.key) : undefined,
  );
}

/** writeStatus writes the status if statusWriteDecision says now; a held status keeps when its hold began. */
async function writeStatus(p: Pass, status: AppStatus, applied: Applied): Promise<StatusWrite | 'deleted'> {
  const { d, key } = p;
  const decision = statusWriteDecision({
    status,
    stored: p.stored,
    cacheBehind: p.waiting,
    podsWritten: applied.podsWritten,
    failed: !!applied.failure,
    heldSince: d.heldSince.get(key),
    busy: d.busy?.() ?? false,
    now: p.now.getTime(),
  });
  if (decision.kind === 'hold') d.heldSince.set(key, decision.since);
  if (decision.kind === 'skip' && decision.why === 'unchanged') d.heldSince.delete(key);
  if (decision.kind !== 'write') return decision;
  try {
    d.lastWritten.remember(key, p.app, await d.writer.patchStatus(p.app, status, p.stored), status);
  } catch (err) {
    // Deleted since the cache showed it: nothing to report on, and its delete event tidies up.
    if (isNotFound(err)) return 'deleted';
    throw err;
  }
  d.heldSince.delete(key);
  return decision;
}

function outcomeOf(p: Pass, applied: Applied, write: StatusWrite): Outcome {
  if (!p.spec.parsed.ok) return 'invalid';
  if (p.waiting) return 'waiting';
  if (write.kind === 'hold') return 'held';
  return applied.podsWritten || write.kind === 'write' ? 'updated' : 'unchanged';
}

/** earliest of the looks given, any of which may be none. */
function earliest(...looks: Array<number | undefined>): number | undefined {
  const known = looks.filter((ms) => ms !== undefined);
  return known.length ? Math.min(...known) : undefined;
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

type Settled<T> = { value: T } | { error: unknown };

/** settle waits for a promise without letting its rejection go unhandled while other work is awaited. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
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
