import type { V1Pod } from '@kubernetes/client-node';
import { KIND } from '../api/constants';
import type { Expectations } from './expectations';

/**
 * PodIndex keeps the cached Pods by the AppWithHelpers that controls them and turns a Pod event
 * into the keys to reconcile: its controller owner's, and a former owner's when a Pod was
 * orphaned or taken over. The event itself is never an input to a reconcile. It also tells the
 * expectations what the cache now shows.
 */
export class PodIndex {
  /** An array, not a Map, per app: most apps have a Pod or a few, and a Map's table costs more than they do. */
  private readonly byApp = new Map<string, V1Pod[]>();
  /** namespace/pod → the key of the app that controlled it when last seen. */
  private readonly ownerOf = new Map<string, string>();

  constructor(private readonly expectations: Expectations) {}

  podsOf(key: string): V1Pod[] {
    return [...(this.byApp.get(key) ?? [])];
  }

  /** onPod records a change and returns the keys to reconcile, a former owner's first. */
  onPod(pod: V1Pod, deleted: boolean): string[] {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const podKey = `${namespace}/${name}`;
    const key = controllerKeyOf(pod);
    const keys: string[] = [];
    // A Pod whose controller changed or went (kubectl delete --cascade=orphan, a user's edit) leaves its old app.
    const before = this.ownerOf.get(podKey);
    if (before && (before !== key || deleted)) {
      this.forget(before, name);
      keys.push(before);
    }
    if (!key) return keys;
    if (deleted) {
      this.forget(key, name);
      this.expectations.observeDelete(key, name);
    } else {
      const pods = this.byApp.get(key) ?? [];
      const at = pods.findIndex((p) => p.metadata!.name === name);
      if (at >= 0) pods[at] = pod;
      else pods.push(pod);
      this.byApp.set(key, pods);
      this.ownerOf.set(podKey, key);
      this.expectations.observeAdd(key, name);
      // As the ReplicaSet controller does: a delete is done for planning once the Pod is terminating.
      if (pod.metadata?.deletionTimestamp) this.expectations.observeDelete(key, name);
    }
    if (!keys.includes(key)) keys.push(key);
    return keys;
  }

  private forget(key: string, name: string): void {
    const pods = this.byApp.get(key)?.filter((p) => p.metadata!.name !== name);
    if (pods?.length) this.byApp.set(key, pods);
    else this.byApp.delete(key);
    this.ownerOf.delete(`${key.split('/')[0]}/${name}`);
  }
}

/** controllerKeyOf is the `namespace/name` of the AppWithHelpers that controls a Pod, if one does. */
export function controllerKeyOf(pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller && r.kind === KIND);
  return owner ? `${pod.metadata!.namespace}/${owner.name}` : undefined;
}
