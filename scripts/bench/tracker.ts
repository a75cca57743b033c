import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { AppWithHelpers } from '../../src/api/status';
import { Informer } from '../../src/runtime/informer';
import type { KubeHttp } from '../../src/k8s/http';
import type { Logger } from '../../src/obs/logger';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

type Any = { metadata?: { name?: string } };

/**
 * Tracker watches one namespace and notes, on this process's clock, when each Pod first became
 * Running and Ready and when each owner first said it was done, by its own status:
 *
 * - a ReplicaSet when status.readyReplicas == spec.replicas with observedGeneration == generation
 *   (what `kubectl rollout status` and kstatus wait for);
 * - an AppWithHelpers when its Ready condition is True for its current generation.
 *
 * Watching (not polling) keeps the observer's own load on the API server small and the times
 * exact to the event.
 */
export class Tracker {
  readonly podReady = new Map<string, number>();
  /** Pod names by the name of their controller owner, to find when an owner's last Pod was Ready. */
  readonly podsOf = new Map<string, string[]>();
  /** When each owner (ReplicaSet or AppWithHelpers) first said, for its current generation, that it is Ready. */
  readonly ownerReady = new Map<string, number>();
  /** When an AppWithHelpers that had been Ready first said it no longer is. */
  readonly appUnready = new Map<string, number>();
  private readonly informers: Array<Informer<Any>> = [];

  constructor(http: KubeHttp, namespace: string, kind: 'rs' | 'awh') {
    this.informers.push(
      new Informer<V1Pod>({
        http,
        path: `/api/v1/namespaces/${namespace}/pods`,
        log: quiet,
        onChange: (pod, deleted) => {
          const name = pod.metadata!.name!;
          const ready =
            pod.status?.phase === 'Running' &&
            pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
          if (deleted || !ready || this.podReady.has(name)) return;
          this.podReady.set(name, Date.now());
          const owner = pod.metadata?.ownerReferences?.find((r) => r.controller)?.name;
          if (owner) this.podsOf.set(owner, [...(this.podsOf.get(owner) ?? []), name]);
        },
      }) as Informer<Any>,
    );
    if (kind === 'rs')
      this.informers.push(
        new Informer<V1ReplicaSet>({
          http,
          path: `/apis/apps/v1/namespaces/${namespace}/replicasets`,
          log: quiet,
          onChange: (rs, deleted) => {
            const s = rs.status;
            const done =
              !!s &&
              s.observedGeneration === rs.metadata?.generation &&
              (s.readyReplicas ?? 0) === (rs.spec?.replicas ?? 1);
            if (!deleted && done && !this.ownerReady.has(rs.metadata!.name!))
              this.ownerReady.set(rs.metadata!.name!, Date.now());
          },
        }) as Informer<Any>,
      );
    else
      this.informers.push(
        new Informer<AppWithHelpers>({
          http,
          path: `/apis/helpers.dev/v1alpha1/namespaces/${namespace}/appwithhelpers`,
          log: quiet,
          onChange: (app, deleted) => {
            const name = app.metadata.name;
            const c = app.status?.conditions?.find((c) => c.type === 'Ready');
            const current = (c?.observedGeneration ?? app.status?.observedGeneration) === app.metadata.generation;
            const ready = c?.status === 'True' && current;
            if (!deleted && ready && !this.ownerReady.has(name)) this.ownerReady.set(name, Date.now());
            if (!deleted && !ready && this.ownerReady.has(name) && !this.appUnready.has(name))
              this.appUnready.set(name, Date.now());
          },
        }) as unknown as Informer<Any>,
      );
  }

  async start(): Promise<void> {
    this.informers.forEach((i) => i.start());
    await Promise.all(this.informers.map((i) => i.synced));
  }

  stop(): void {
    this.informers.forEach((i) => i.stop());
  }

  /** lags: for each owner that says Ready, ms from its last Pod Ready to its own status saying so. */
  lags(): number[] {
    const out: number[] = [];
    for (const [owner, at] of this.ownerReady) {
      const pods = this.podsOf.get(owner);
      if (pods?.length) out.push(at - Math.max(...pods.map((p) => this.podReady.get(p)!)));
    }
    return out;
  }

  /** waitUntil resolves when done() holds, checking every 50 ms; it throws after timeoutMs. */
  async waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(
          `bench: gave up waiting for ${what} after ${timeoutMs / 1000}s (pods ready ${this.podReady.size}, owners ready ${this.ownerReady.size})`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
