import Operator from '@dot-i/k8s-operator';
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_SIDECARS, GROUP, KIND, LABEL_MANAGED_BY, MANAGER, PLURAL, VERSION } from '../api/constants';
import type { AppWithHelpers } from '../api/schema';
import { checkAccess, rightsNeeded } from '../k8s/access';
import { KubeClient } from '../k8s/client';
import { ApiError } from '../k8s/api-error';
import { KubeHttp } from '../k8s/http';
import type { Logger } from '../obs/logger';
import { Metrics } from '../obs/metrics';
import type { Settings } from '../settings';
import { Expectations } from './expectations';
import { Informer, keyOf } from './informer';
import { slimPod } from '../core/pod-facts';
import { WorkQueue } from './queue';
import { PermanentError, reconcile, type ReconcileDeps } from './reconcile';

/** Events allowed to wait for the rate limit at once (about 2 KB each); client-go's recorder keeps 1000. */
const MAX_PENDING_EVENTS = 200;

/**
 * AppWithHelpersOperator takes from @dot-i/k8s-operator its kube config loading and lifecycle, and
 * replaces its watches: those are unfiltered, relist on every reconnect, feed one global queue in
 * arrival order and call process.exit(1) when the API server is away. Ours are informers (label
 * selector, resume from resourceVersion, relist only on 410) feeding a per-key work queue.
 */
export class AppWithHelpersOperator extends Operator {
  readonly http: KubeHttp;
  private queue?: WorkQueue;
  private readonly appInformers: Array<Informer<AppWithHelpers>> = [];
  private readonly podInformers: Array<Informer<V1Pod>> = [];
  private readonly podsByApp = new Map<string, Map<string, V1Pod>>();
  private readonly ownerOfPod = new Map<string, string>();
  private readonly expectations = new Expectations();
  private readySince?: Date;
  /** Init steps whose success was already measured, by Pod UID: a Pod's entry goes with the Pod. */
  private readonly stepsSeen = new Map<string, Set<string>>();
  /** What preflight found; a successor after a lost Lease is given it (see main.ts) instead of asking again. */
  serverVersion?: Awaited<ReturnType<KubeClient['serverVersion']>>;
  private stopped = false;

  constructor(
    private readonly settings: Settings,
    private readonly log: Logger,
    private readonly metrics = new Metrics(),
    onRequest?: (verb: string, code: number, path: string) => void,
  ) {
    super({
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => log.error(m),
    });
    this.http = new KubeHttp(this.kubeConfig, {
      qps: settings.qps,
      burst: settings.burst,
      onRequest: (verb, code, path) => {
        metrics.apiRequests.inc({ verb, code: String(code) });
        onRequest?.(verb, code, path);
      },
    });
  }

  /** newClient is another client on the same kube config, with a rate limit and timeout of its own. */
  newClient(options: ConstructorParameters<typeof KubeHttp>[1]): KubeHttp {
    return new KubeHttp(this.kubeConfig, options);
  }

  /** Ready once every cache has listed and the queue runs. */
  get ready(): boolean {
    return !!this.readySince;
  }

  get queueDepth(): number {
    return this.queue?.depth ?? 0;
  }

  /**
   * preflight meets the API server and checks every right the operator will use, so a wrong
   * kubeconfig ends start-up with one clear error instead of 403s retried forever.
   */
  async preflight(lease?: { namespace: string }): Promise<void> {
    const client = new KubeClient(this.http);
    const version = await client.serverVersion().catch((err) => {
      if (err instanceof ApiError && err.status === 401)
        throw new Error(
          `the API server at ${this.http.server} refused the kubeconfig's credentials (401 Unauthorized): check its token or client certificate`,
        );
      throw err;
    });
    this.serverVersion = version;
    this.log.info('connected', { server: this.http.server, kubernetes: version.gitVersion });
    await checkAccess(this.http, rightsNeeded(this.settings.namespaces, lease));
  }

  protected async init(): Promise<void> {
    const http = this.http;
    const client = new KubeClient(http, {
      maxPending: MAX_PENDING_EVENTS,
      onDropped: () => this.metrics.eventsDropped.inc(),
    });
    const version = (this.serverVersion ??= await client.serverVersion());
    if (this.stopped) return; // shut down while it waited: a stopped operator starts nothing

    const deps: ReconcileDeps = {
      getApp: (key) => this.appInformers.map((i) => i.get(key)).find(Boolean),
      heldSince: new Map(),
      requeueAfter: (key, ms) => this.queue!.addAfter(key, ms),
      podsOf: (key) => [...(this.podsByApp.get(key)?.values() ?? [])],
      writer: client,
      expectations: this.expectations,
      render: { helperImage: this.settings.helperImage, serverVersion: version },
      log: this.log,
      now: () => new Date(),
    };
    const metrics = this.metrics;
    this.queue = new WorkQueue(
      async (key) => {
        const t0 = Date.now();
        const stopTimer = metrics.reconcileSeconds.startTimer();
        try {
          const outcome = await reconcile(key, deps);
          metrics.reconciles.inc({ result: outcome });
          if (outcome === 'deleted') metrics.forgetApp(...(key.split('/') as [string, string]));
          this.log.info('reconciled', { key, outcome, ms: Date.now() - t0 });
        } catch (err) {
          metrics.reconciles.inc({ result: 'error' });
          throw err;
        } finally {
          stopTimer();
          metrics.queueDepth.set(this.queue!.depth);
        }
      },
      { concurrency: this.settings.concurrency, retry: (err) => !(err instanceof PermanentError) },
      (key, err, retryInMs) => {
        // A permanent failure is in the status and an Event; the next change to the object retries it.
        this.log.warn('reconcile failed', { key, error: (err as Error).message, retryInMs });
      },
    );

    const scopes = this.settings.namespaces.length ? this.settings.namespaces.map((ns) => `/namespaces/${ns}`) : [''];
    for (const scope of scopes) {
      this.podInformers.push(
        new Informer<V1Pod>({
          http,
          path: `/api/v1${scope}/pods`,
          labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}`,
          log: this.log,
          onChange: (pod, deleted) => this.onPod(pod, deleted),
          transform: slimPod,
          onWatch: () => metrics.watchRestarts.inc({ resource: 'pods' }),
          onRelist: () => metrics.relists.inc({ resource: 'pods' }),
        }),
      );
    }
    // Pods first: reconciling with an empty Pod cache would plan creates for Pods that exist.
    this.podInformers.forEach((i) => i.start());
    await Promise.all(this.podInformers.map((i) => i.synced));
    if (this.stopped) return;
    for (const scope of scopes) {
      this.appInformers.push(
        new Informer<AppWithHelpers>({
          http,
          path: `/apis/${GROUP}/${VERSION}${scope}/${PLURAL}`,
          log: this.log,
          onChange: (app) => this.queue!.add(keyOf(app)),
          transform: (app) => {
            delete (app.metadata as { managedFields?: unknown }).managedFields;
            return app;
          },
          onWatch: () => metrics.watchRestarts.inc({ resource: PLURAL }),
          onRelist: () => metrics.relists.inc({ resource: PLURAL }),
        }),
      );
    }
    this.appInformers.forEach((i) => i.start());
    await Promise.all(this.appInformers.map((i) => i.synced));
    if (this.stopped) return;
    this.readySince = new Date();
    this.log.info('caches synced', {
      appWithHelpers: this.appInformers.reduce((n, i) => n + i.size, 0),
      pods: this.podInformers.reduce((n, i) => n + i.size, 0),
    });
  }

  /** A Pod event becomes its controller owner's key; the event itself is never an input. */
  private onPod(pod: V1Pod, deleted: boolean): void {
    const name = pod.metadata!.name!;
    const podKey = `${pod.metadata?.namespace}/${name}`;
    const owner = pod.metadata?.ownerReferences?.find((r) => r.controller && r.kind === KIND);
    const key = owner ? `${pod.metadata?.namespace}/${owner.name}` : undefined;
    // A Pod whose controller changed or went (kubectl delete --cascade=orphan, a user's edit) leaves its old app.
    const before = this.ownerOfPod.get(podKey);
    if (before && (before !== key || deleted)) {
      this.forgetPod(before, name);
      this.queue?.add(before);
    }
    if (!key) {
      this.stepsSeen.delete(pod.metadata!.uid!); // orphaned: no longer ours to measure
      return;
    }
    if (deleted) {
      this.forgetPod(key, name);
      this.expectations.observeDelete(key, name);
    } else {
      const pods = this.podsByApp.get(key) ?? new Map<string, V1Pod>();
      pods.set(name, pod);
      this.podsByApp.set(key, pods);
      this.ownerOfPod.set(podKey, key);
      this.expectations.observeAdd(key, name);
      // As the ReplicaSet controller does: a delete is done for planning once the Pod is terminating.
      if (pod.metadata?.deletionTimestamp) this.expectations.observeDelete(key, name);
    }
    try {
      this.observeHelpers(pod, deleted, owner!.name);
    } finally {
      this.queue?.add(key);
    }
  }

  private forgetPod(key: string, name: string): void {
    const pods = this.podsByApp.get(key);
    pods?.delete(name);
    if (pods && !pods.size) this.podsByApp.delete(key);
    this.ownerOfPod.delete(`${key.split('/')[0]}/${name}`);
  }

  /** Per-helper metrics: each init step's run time once it succeeds, and sidecar restarts. */
  private observeHelpers(pod: V1Pod, deleted: boolean, app: string): void {
    const namespace = pod.metadata!.namespace!;
    const uid = pod.metadata!.uid!;
    const sidecarNames = new Set(pod.metadata?.annotations?.[ANNOTATION_SIDECARS]?.split(',') ?? []);
    if (deleted) this.stepsSeen.delete(uid);
    for (const s of deleted ? [] : (pod.status?.initContainerStatuses ?? [])) {
      const t = s.state?.terminated;
      const seen = this.stepsSeen.get(uid);
      if (t && t.exitCode === 0 && t.startedAt && t.finishedAt && !seen?.has(s.name)) {
        this.stepsSeen.set(uid, (seen ?? new Set<string>()).add(s.name));
        const seconds = (Date.parse(String(t.finishedAt)) - Date.parse(String(t.startedAt))) / 1000;
        if (Number.isFinite(seconds) && seconds >= 0) this.metrics.initStepSeconds.observe({ namespace }, seconds);
      }
    }
    // The series goes with its AppWithHelpers: its Pods' last events (the garbage collector
    // deleting them) come after the reconcile that removed it, and must not bring it back.
    if (deleted && !this.appInformers.some((i) => i.get(`${namespace}/${app}`))) {
      this.metrics.forgetApp(namespace, app);
      return;
    }
    const restarts = [...(this.podsByApp.get(`${namespace}/${app}`)?.values() ?? [])]
      .flatMap((p) =>
        [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].filter((s) =>
          sidecarNames.has(s.name),
        ),
      )
      .reduce((n, s) => n + (s.restartCount ?? 0), 0);
    this.metrics.sidecarRestarts.set({ namespace, appwithhelpers: app }, restarts);
  }

  /**
   * shutdown stops taking work and lets running reconciles finish, then closes connections; with
   * abort (a lost Lease) it closes them first, so nothing more is written. Either way it is final.
   */
  async shutdown(options: { abort?: boolean } = {}): Promise<void> {
    this.stopped = true;
    [...this.appInformers, ...this.podInformers].forEach((i) => i.stop());
    if (options.abort) this.http.close();
    await this.queue?.shutDown();
    this.http.close();
  }
}
