import { isDeepStrictEqual } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { ConditionType, Reason } from '../api/constants';
import { parseSpec, type AppStatus, type AppWithHelpers } from '../api/schema';
import { planPods, type Action } from '../core/plan';
import { isControlledBy } from '../core/pod-facts';
import { renderPodTemplate, resolveSidecarMode, type RenderOptions } from '../core/render';
import { deriveStatus } from '../core/status';
import { ApiError } from '../k8s/api-error';
import type { Logger } from '../obs/logger';
import type { Expectations } from './expectations';

/** The writes reconcile makes; KubeClient in production, a recorder in tests. */
export interface Writer {
  createPod(pod: V1Pod): Promise<'created' | 'exists'>;
  deletePod(namespace: string, name: string, uid?: string): Promise<void>;
  patchStatus(app: AppWithHelpers, status: AppStatus): Promise<void>;
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
  /** When a key's in-flux status was first held back (see STATUS_HOLD_MS); kept across reconciles. */
  heldSince: Map<string, number>;
  /** Brings a key back after ms. */
  requeueAfter(key: string, ms: number): void;
  /** Pods carrying the app's label in its namespace, from the cache. */
  podsOf(key: string): V1Pod[];
  writer: Writer;
  expectations: Expectations;
  render: RenderOptions;
  log: Logger;
  now(): Date;
}

/** An error retrying cannot fix: the status and an Event say it; the key waits for the next change. */
export class PermanentError extends Error {}

export type Outcome = 'deleted' | 'unchanged' | 'updated' | 'invalid' | 'waiting' | 'held';

/**
 * While Pods are still starting their status changes every few hundred milliseconds; writing each
 * change would cost the API server a write per kubelet step. Such in-flux statuses are written at
 * most this often. The first change after a settled status (a Pod no longer Ready, say), Ready,
 * failures and invalid specs are written at once.
 */
export const STATUS_HOLD_MS = 250;

/**
 * reconcile converges one AppWithHelpers: read the caches, plan, apply, derive the status and
 * write it once, only if it changed. A thrown error makes the queue retry with backoff.
 */
export async function reconcile(key: string, d: ReconcileDeps): Promise<Outcome> {
  const app = d.getApp(key);
  if (!app || app.metadata.deletionTimestamp) {
    d.expectations.forget(key); // owned Pods go with it: the garbage collector follows owner references
    d.heldSince.delete(key);
    return 'deleted';
  }
  const now = d.now();
  const parsed = parseSpec(app.spec);
  const named = d.podsOf(key);
  const pods = named.filter((p) => isControlledBy(p, app.metadata.uid));
  // Pods of an earlier AppWithHelpers of this name, which the garbage collector is removing: their
  // names are taken, so new Pods take the next free names instead of failing on AlreadyExists.
  const takenNames = named.filter((p) => !isControlledBy(p, app.metadata.uid)).map((p) => p.metadata!.name!);
  const mode = parsed.ok ? resolveSidecarMode(parsed.spec, d.render) : undefined;
  const owner = { name: app.metadata.name, namespace: app.metadata.namespace, uid: app.metadata.uid };
  const template = parsed.ok ? renderPodTemplate(owner, parsed.spec, d.render, app.spec) : undefined;

  let failure: { reason: string; message: string; permanent: boolean } | undefined;
  let wrote = false;
  const events: Array<[type: 'Normal' | 'Warning', reason: string, message: string]> = [];
  const waiting = parsed.ok && !d.expectations.satisfied(key);
  if (parsed.ok && template && !waiting) {
    const actions = planPods({
      appName: app.metadata.name,
      spec: parsed.spec,
      pods,
      template: template.pod,
      hash: template.hash,
      takenNames,
    });
    failure = await apply(key, app, actions, pods, d, events);
    wrote = actions.length > 0;
  }

  const status = deriveStatus({
    generation: app.metadata.generation,
    parsed,
    pods,
    hash: template?.hash,
    sidecarMode: mode,
    failure,
    previous: app.status,
    now,
  });
  events.push(...transitionEvents(app.status, status));
  // Events are not on the way to the status: send them without waiting (the client still rate-limits them).
  for (const [type, reason, message] of events) {
    d.writer
      .recordEvent(app, type, reason, message, now)
      .catch((err) => d.log.warn('event not recorded', { key, reason, error: (err as Error).message }));
  }
  let held = false;
  if (isDeepStrictEqual(status, app.status ?? {})) {
    d.heldSince.delete(key);
  } else if (wrote && !failure) {
    // Pods were just created or deleted: their events bring this key back with a newer picture.
  } else if (
    inFlux(status) &&
    (!app.status?.phase || inFlux(app.status)) &&
    (d.heldSince.get(key) ?? now.getTime()) + STATUS_HOLD_MS > now.getTime()
  ) {
    const since = d.heldSince.get(key) ?? now.getTime();
    d.heldSince.set(key, since);
    d.requeueAfter(key, since + STATUS_HOLD_MS - now.getTime());
    held = true;
  } else {
    try {
      await d.writer.patchStatus(app, status);
    } catch (err) {
      // Deleted since the cache showed it: nothing to report on, and its delete event tidies up.
      if (err instanceof ApiError && err.status === 404) return 'deleted';
      throw err;
    }
    d.heldSince.delete(key);
    wrote = true;
  }
  if (failure && !failure.permanent) throw new ApiError(0, failure.reason, failure.message);
  if (failure) throw new PermanentError(failure.message);
  if (!parsed.ok) return 'invalid';
  if (waiting) return 'waiting';
  return held ? 'held' : wrote ? 'updated' : 'unchanged';
}

/**
 * apply sends the planned deletes, then creates in doubling batches (1, 2, 4, ...) that stop at
 * the first failure, as the ReplicaSet controller does, so a quota or admission refusal costs
 * one call, not a hundred.
 */
async function apply(
  key: string,
  app: AppWithHelpers,
  actions: Action[],
  pods: V1Pod[],
  d: ReconcileDeps,
  events: Array<['Normal' | 'Warning', string, string]>,
): Promise<{ reason: string; message: string; permanent: boolean } | undefined> {
  const deletes = actions.filter((a): a is Extract<Action, { kind: 'delete' }> => a.kind === 'delete');
  const creates = actions.filter((a): a is Extract<Action, { kind: 'create' }> => a.kind === 'create');
  d.expectations.expect(
    key,
    creates.map((c) => c.pod.metadata!.name!),
    deletes.map((a) => a.name),
  );
  for (const del of deletes) {
    const uid = pods.find((p) => p.metadata?.name === del.name)?.metadata?.uid;
    try {
      await d.writer.deletePod(app.metadata.namespace, del.name, uid);
      events.push(['Normal', Reason.PodDeleted, `deleted Pod ${del.name}: ${deleteWhy[del.reason]}`]);
    } catch (err) {
      d.expectations.observeDelete(key, del.name);
      return {
        reason: Reason.FailedDelete,
        message: `could not delete Pod ${del.name}: ${(err as Error).message}`,
        permanent: !retryable(err),
      };
    }
  }
  let batch = 1;
  for (let i = 0; i < creates.length; i += batch, batch *= 2) {
    const chunk = creates.slice(i, i + batch);
    const results = await Promise.allSettled(chunk.map((c) => d.writer.createPod(c.pod)));
    let failed: unknown;
    results.forEach((r, j) => {
      const { pod, reason } = chunk[j];
      const name = pod.metadata!.name!;
      if (r.status === 'rejected') {
        d.expectations.observeAdd(key, name);
        failed ??= r.reason;
      } else if (r.value === 'exists') {
        d.expectations.observeAdd(key, name);
        // Ours, and the cache is behind: fine. Someone else's (an orphan of an earlier app of this name): say so.
        if (!pods.some((p) => p.metadata?.name === name))
          failed ??= new ApiError(
            409,
            'AlreadyExists',
            `a Pod named ${name} already exists and is not controlled by this AppWithHelpers; delete it or rename the AppWithHelpers`,
          );
      } else {
        events.push([
          'Normal',
          reason === 'Missing' ? Reason.PodCreated : Reason.PodReplaced,
          `created Pod ${name}${reason === 'Missing' ? '' : ` (${createWhy[reason]})`}`,
        ]);
      }
    });
    if (failed) {
      creates.slice(i + batch).forEach((c) => d.expectations.observeAdd(key, c.pod.metadata!.name!));
      return {
        reason: Reason.FailedCreate,
        message: `could not create Pods: ${(failed as Error).message}`,
        permanent: !retryable(failed),
      };
    }
  }
  return undefined;
}

/** inFlux: Pods are still on their way and nothing is wrong, so the next change is near. */
function inFlux(status: AppStatus): boolean {
  return (
    (status.phase === 'Pending' || status.phase === 'Initializing') &&
    !status.conditions?.some((c) => c.type === ConditionType.Degraded && c.status === 'True')
  );
}

const deleteWhy = {
  PodFailed: 'it failed; a new one replaces it',
  PodSucceeded: 'it finished; a new one replaces it',
  Stale: 'its template is out of date',
  Surplus: 'fewer replicas are wanted',
};
const createWhy = { Replacement: 'replaces a finished Pod', Surge: 'rolling update to the new template', Missing: '' };

function retryable(err: unknown): boolean {
  return !(err instanceof ApiError) || err.retryable;
}

/** transitionEvents fires a Warning only when a problem appears or changes, never on every pass. */
function transitionEvents(
  before: AppStatus | undefined,
  after: AppStatus,
): Array<['Normal' | 'Warning', string, string]> {
  const was = before?.conditions?.find((c) => c.type === ConditionType.Degraded);
  const is = after.conditions?.find((c) => c.type === ConditionType.Degraded);
  if (is?.status === 'True' && (was?.status !== 'True' || was.reason !== is.reason))
    return [['Warning', is.reason, is.message]];
  return [];
}
