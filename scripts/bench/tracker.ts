import type { V1Pod } from '@kubernetes/client-node';
import type { AppWithHelpers } from '../../src/api/schema';
import { Informer } from '../../src/controller/informer';
import type { KubeHttp } from '../../src/k8s/http';
import type { Logger } from '../../src/obs/logger';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/**
 * Tracker watches one namespace and notes, on this process's clock, when each Pod first became
 * Running and Ready and when each AppWithHelpers first said Ready. Watching (not polling) keeps
 * the observer's own load on the API server small and the times exact to the event.
 */
export class Tracker {
  readonly podReady = new Map<string, number>();
  readonly appReady = new Map<string, number>();
  /** When an AppWithHelpers that had been Ready first said it no longer is. */
  readonly appUnready = new Map<string, number>();
  private readonly informers: Array<Informer<{ metadata?: { name?: string } }>> = [];

  constructor(http: KubeHttp, namespace: string, withApps: boolean) {
    this.informers.push(
      new Informer<V1Pod>({
        http,
        path: `/api/v1/namespaces/${namespace}/pods`,
        log: quiet,
        onChange: (pod, deleted) => {
          const ready =
            pod.status?.phase === 'Running' &&
            pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
          if (!deleted && ready && !this.podReady.has(pod.metadata!.name!))
            this.podReady.set(pod.metadata!.name!, Date.now());
        },
      }) as Informer<{ metadata?: { name?: string } }>,
    );
    if (withApps) {
      this.informers.push(
        new Informer<AppWithHelpers>({
          http,
          path: `/apis/helpers.dev/v1alpha1/namespaces/${namespace}/appwithhelpers`,
          log: quiet,
          onChange: (app, deleted) => {
            const ready = app.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
            if (!deleted && ready && !this.appReady.has(app.metadata.name))
              this.appReady.set(app.metadata.name, Date.now());
            if (!deleted && !ready && this.appReady.has(app.metadata.name) && !this.appUnready.has(app.metadata.name))
              this.appUnready.set(app.metadata.name, Date.now());
          },
        }) as unknown as Informer<{ metadata?: { name?: string } }>,
      );
    }
  }

  async start(): Promise<void> {
    this.informers.forEach((i) => i.start());
    await Promise.all(this.informers.map((i) => i.synced));
  }

  stop(): void {
    this.informers.forEach((i) => i.stop());
  }

  /** waitUntil resolves when done() holds, checking every 50 ms; it throws after timeoutMs. */
  async waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(
          `bench: gave up waiting for ${what} after ${timeoutMs / 1000}s (pods ready ${this.podReady.size}, apps ready ${this.appReady.size})`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
