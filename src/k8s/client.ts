import type { V1Pod } from '@kubernetes/client-node';
import { GROUP, LABEL_MANAGED_BY, MANAGER, PLURAL, VERSION } from '../api/constants';
import type { AppStatus, AppWithHelpers } from '../api/status';
import { ApiError } from './api-error';
import { EventRecorder, type EventRecorderOptions } from './event-recorder';
import type { KubeHttp } from './http';

/**
 * KubeClient is the only place that writes to the API server: Pods, the AppWithHelpers status
 * and Events. Pods go as raw JSON, so fields newer than client-node's models reach the server.
 */
export class KubeClient {
  private readonly eventRecorder: EventRecorder;

  /** Events: see EventRecorder (at most events.maxPending wait; a repeat patches the one made before). */
  constructor(
    private readonly http: KubeHttp,
    events: EventRecorderOptions = { maxPending: 200 },
  ) {
    this.eventRecorder = new EventRecorder(http, events);
  }

  /**
   * createPod is idempotent. On AlreadyExists it reads the Pod: 'exists' if the same owner
   * controls it (an earlier create that timed out but succeeded, the cache not showing it yet),
   * 'taken' if not (an orphan, another object's Pod), which is a problem a person must solve.
   */
  async createPod(pod: V1Pod): Promise<'created' | 'exists' | 'taken'> {
    const namespace = pod.metadata!.namespace;
    try {
      await this.http.request('POST', `/api/v1/namespaces/${namespace}/pods`, pod);
      return 'created';
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409 && err.reason === 'AlreadyExists')) throw err;
    }
    const found = await this.http
      .request<V1Pod>('GET', `/api/v1/namespaces/${namespace}/pods/${pod.metadata!.name}`)
      .catch((err) => {
        // Gone between the create and the read: try again, it is not a person's problem.
        if (err instanceof ApiError && err.status === 404)
          throw new ApiError(0, 'Conflict', `Pod ${pod.metadata!.name} was deleted while it was being created`);
        throw err;
      });
    const owner = (p: V1Pod) => p.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
    // Ours only if the cache will show it: a Pod without our label (taken aside for debugging) never
    // reaches the informer, and waiting for it would stall the app.
    const ours =
      owner(found) !== undefined &&
      owner(found) === owner(pod) &&
      found.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGER &&
      !found.metadata?.deletionTimestamp;
    return ours ? 'exists' : 'taken';
  }

  /** deletePod deletes exactly the Pod we saw (uid precondition); NotFound means done. */
  async deletePod(namespace: string, name: string, uid?: string): Promise<void> {
    try {
      await this.http.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        ...(uid ? { preconditions: { uid } } : {}),
      });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || (err.status === 409 && err.reason === 'Conflict' && !!uid)))
        return;
      throw err;
    }
  }

  /**
   * patchStatus sends only what changed from the stored status, as a JSON merge patch, to the
   * status subresource; it resolves with the object's new resourceVersion. It takes its token
   * before any waiting Pod write: during a burst of creates a status would otherwise wait seconds
   * to say that a Pod is Ready.
   */
  async patchStatus(app: AppWithHelpers, status: AppStatus, stored = app.status): Promise<string | undefined> {
    const patch = { status: mergePatchDiff(stored ?? {}, status) };
    const updated = await this.http.request<{ metadata?: { resourceVersion?: string } }>(
      'PATCH',
      `/apis/${GROUP}/${VERSION}/namespaces/${app.metadata.namespace}/${PLURAL}/${app.metadata.name}/status`,
      patch,
      'application/merge-patch+json',
      'high',
    );
    return updated?.metadata?.resourceVersion;
  }

  recordEvent(
    app: AppWithHelpers,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: Date,
  ): Promise<void> {
    return this.eventRecorder.record(app, type, reason, message, now);
  }

  async serverVersion(): Promise<{ major: number; minor: number; gitVersion: string }> {
    const v = await this.http.request<{ major: string; minor: string; gitVersion: string }>('GET', '/version');
    return { major: parseInt(v.major, 10), minor: parseInt(v.minor, 10), gitVersion: v.gitVersion };
  }
}

/**
 * mergePatchDiff is the JSON merge patch that turns `from` into `to`: changed values, nested
 * maps by key, lists whole, and null for every key `to` dropped (a plain merge would keep it).
 */
export function mergePatchDiff(from: unknown, to: unknown): unknown {
  if (!isMap(from) || !isMap(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!(key in to) || to[key] === undefined) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    if (isMap(value) && isMap(from[key])) {
      const inner = mergePatchDiff(from[key], value) as Record<string, unknown>;
      if (Object.keys(inner).length) patch[key] = inner;
    } else if (JSON.stringify(value) !== JSON.stringify(from[key])) {
      patch[key] = value;
    }
  }
  return patch;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
