import type { V1Pod } from '@kubernetes/client-node';
import { Reason } from '../api/constants';
import type { AppWithHelpers } from '../api/status';
import type { Action } from '../core/plan';
import { ApiError } from '../k8s/api-error';
import type { Expectations } from './expectations';

/** The Pod writes apply makes; KubeClient in production, a recorder in tests. */
export interface PodWriter {
  /** 'exists': a Pod of that name is already controlled by this owner; 'taken': by someone else (or nobody). */
  createPod(pod: V1Pod): Promise<'created' | 'exists' | 'taken'>;
  deletePod(namespace: string, name: string, uid?: string): Promise<void>;
}

export type EventTuple = [type: 'Normal' | 'Warning', reason: string, message: string];
export interface ApplyFailure {
  reason: string;
  message: string;
  permanent: boolean;
}

/**
 * applyActions sends the planned deletes, then creates in doubling batches (1, 2, 4, ...) that
 * stop at the first failure, as the ReplicaSet controller does, so a quota or admission refusal
 * costs one call, not a hundred. Every action is expected before it is sent; an action that is
 * never sent, or fails, is released at once, so the next pass plans afresh instead of waiting
 * for the expectations to time out.
 */
export async function applyActions(
  key: string,
  app: AppWithHelpers,
  actions: Action[],
  pods: V1Pod[],
  writer: PodWriter,
  expectations: Expectations,
  events: EventTuple[],
): Promise<ApplyFailure | undefined> {
  const deletes = actions.filter((a): a is Extract<Action, { kind: 'delete' }> => a.kind === 'delete');
  const creates = actions.filter((a): a is CreateAction => a.kind === 'create');
  expectations.expect(
    key,
    creates.map((c) => c.pod.metadata!.name!),
    deletes.map((a) => a.name),
  );
  const release = (from: { deletes: number; creates: number }) => {
    deletes.slice(from.deletes).forEach((a) => expectations.observeDelete(key, a.name));
    creates.slice(from.creates).forEach((c) => expectations.observeAdd(key, c.pod.metadata!.name!));
  };
  for (const [i, del] of deletes.entries()) {
    const uid = pods.find((p) => p.metadata?.name === del.name)?.metadata?.uid;
    try {
      await writer.deletePod(app.metadata.namespace, del.name, uid);
      events.push(['Normal', Reason.PodDeleted, `deleted Pod ${del.name}: ${deleteWhy[del.reason]}`]);
    } catch (err) {
      release({ deletes: i, creates: 0 });
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
    const results = await Promise.allSettled(chunk.map((c) => writer.createPod(c.pod)));
    let failed: unknown;
    results.forEach((r, j) => {
      const name = chunk[j].pod.metadata!.name!;
      // Every result is settled, also after the first failure: each one's release or event is due.
      const err = settleCreate(r, chunk[j], () => expectations.observeAdd(key, name), events);
      failed ??= err;
    });
    if (failed) {
      release({ deletes: deletes.length, creates: i + batch });
      return {
        reason: Reason.FailedCreate,
        message: `could not create Pods: ${(failed as Error).message}`,
        permanent: !retryable(failed),
      };
    }
  }
  return undefined;
}

type CreateAction = Extract<Action, { kind: 'create' }>;

/**
 * settleCreate reads one create's result: a created Pod gets its event; a failed or taken one is
 * released (it will not appear) and its error returned; 'exists' is ours already (an earlier
 * create that timed out but succeeded), and its event is on its way.
 */
function settleCreate(
  result: PromiseSettledResult<'created' | 'exists' | 'taken'>,
  { pod, reason }: CreateAction,
  release: () => void,
  events: EventTuple[],
): unknown {
  const name = pod.metadata!.name!;
  if (result.status === 'rejected') {
    release();
    return result.reason;
  } else if (result.value === 'taken') {
    release();
    return new ApiError(
      409,
      'AlreadyExists',
      `a Pod named ${name} already exists and is not controlled by this AppWithHelpers; delete it or rename the AppWithHelpers`,
    );
  } else if (result.value === 'created') {
    events.push([
      'Normal',
      reason === 'Missing' ? Reason.PodCreated : Reason.PodReplaced,
      `created Pod ${name}${reason === 'Missing' ? '' : ` (${createWhy[reason]})`}`,
    ]);
  }
  return undefined;
}

const deleteWhy = {
  PodFailed: 'it failed; a new one replaces it',
  PodSucceeded: 'it finished; a new one replaces it',
  Stale: 'its template is out of date',
  Surplus: 'fewer replicas are wanted',
  StepTimedOut: 'an init step ran past its timeoutSeconds; a new one replaces it',
};
const createWhy = {
  Replacement: 'replaces a Pod that finished, failed or ran out of time',
  Surge: 'rolling update to the new template',
  Missing: '',
};

function retryable(err: unknown): boolean {
  return !(err instanceof ApiError) || err.retryable;
}
