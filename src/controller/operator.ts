import Operator from '@dot-i/k8s-operator';
import type { V1Pod } from '@kubernetes/client-node';
import { GROUP, LABEL_MANAGED_BY, MANAGER, PLURAL, VERSION } from '../api/constants';
import type { AppWithHelpers } from '../api/status';
import { slimPod } from '../core/pod-facts';
import type { RenderOptions } from '../core/render';
import { KubeClient } from '../k8s/client';
import { KubeHttp } from '../k8s/http';
import { HelperMetrics } from '../obs/helper-metrics';
import type { Logger } from '../obs/logger';
import { Metrics } from '../obs/metrics';
import type { Settings } from '../settings';
import { isBusy } from './busy';
import { Expectations } from './expectations';
import { Informer, keyOf } from '../runtime/informer';
import { Interner } from './interner';
import { LastWritten } from './last-written';
import { controllerKeyOf, PodIndex } from './pod-index';
import { SpecMemo } from './spec-memo';
import { preflight, type ServerVersion } from './preflight';
import { WorkQueue } from '../runtime/queue';
import { errorKind, PermanentError, ReconcileError } from './errors';
import { reconcile, type ReconcileDeps, type ReconcileResult } from './reconcile';

/** Outcomes that wrote nothing, logged at debug. */
const QUIET_OUTCOMES = new Set<string>(['unchanged', 'held', 'waiting']);

/** Events allowed to wait for the rate limit at once (about 2 KB each); client-go's recorder keeps 1000. */
const MAX_PENDING_EVENTS = 200;

export interface OperatorOptions {
  metrics?: Metrics;
  /** Called once per API request, for metrics and tests. */
  onRequest?: (verb: string, code: number, path: string) => void;
  /** Rendering settings beyond the flags (tests stand in another operator version with a new waitFor script). */
  render?: Partial<RenderOptions>;
}

/**
 * AppWithHelpersOperator wires the caches, the work queue and reconcile together. From
 * @dot-i/k8s-operator it takes the kube config loading and the start/stop lifecycle; its watches
 * are replaced by informers (label selector, resume from resourceVersion, relist only on 410)
 * feeding a per-key work queue, because the framework's are unfiltered, relist on every
 * reconnect, feed one global queue in arrival order and exit the process when the API server is
 * away.
 */
export class AppWithHelpersOperator extends Operator {
  readonly http: KubeHttp;
  private queue?: WorkQueue;
  private readonly appInformers: Array<Informer<AppWithHelpers>> = [];
  private readonly podInformers: Array<Informer<V1Pod>> = [];
  private readonly expectations = new Expectations();
  private readonly pods = new PodIndex(this.expectations);
  private readonly lastWritten = new LastWritten();
  /** One copy of each string the cached Pods and AppWithHelpers share (see interner.ts). */
  private readonly strings = new Interner();
  private readonly metrics: Metrics;
  private readonly helperMetrics: HelperMetrics;
  private readySince?: Date;
  /**
   * What preflight found; after a lost Lease, main.ts gives it to the next term's operator instead
   * of asking again (see runtime/leadership.ts).
   */
  serverVersion?: ServerVersion;
  private stopped = false;

  constructor(
    private readonly settings: Settings,
    private readonly log: Logger,
    private readonly options: OperatorOptions = {},
  ) {
    super({
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => log.error(m),
    });
    this.metrics = options.metrics ?? new Metrics();
    this.helperMetrics = new HelperMetrics(this.metrics);
    this.http = new KubeHttp(this.kubeConfig, {
      qps: settings.qps,
      burst: settings.burst,
      onRequest: (verb, code, path) => {
        this.metrics.apiRequests.inc({ verb, code: String(code) });
        options.onRequest?.(verb, code, path);
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

  /** preflight checks the server and every right needed; see preflight.ts. */
  async preflight(lease?: { namespace: string }): Promise<void> {
    this.serverVersion = await preflight(this.http, this.settings.namespaces, lease, this.log);
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
      busy: () => isBusy(http.busy, this.queue!.depth, this.settings.concurrency),
      podsOf: (key) => this.pods.podsOf(key),
      writer: client,
      expectations: this.expectations,
      lastWritten: this.lastWritten,
      render: { helperImage: this.settings.helperImage, serverVersion: version, ...this.options.render },
      specs: new SpecMemo(),
      log: this.log,
      now: () => new Date(),
    };
    this.queue = this.newQueue(deps);
    const scopes = this.settings.namespaces.length ? this.settings.namespaces.map((ns) => `/namespaces/${ns}`) : [''];
    for (const scope of scopes) {
      this.podInformers.push(this.podInformer(scope));
      this.appInformers.push(this.appInformer(scope));
    }
    const informers = [...this.podInformers, ...this.appInformers];
    informers.forEach((i) => i.start());
    await Promise.all(informers.map((i) => i.synced));
    if (this.stopped) return;
    this.queue.start();
    this.readySince = new Date();
    this.log.info('caches synced', {
      appWithHelpers: this.appInformers.reduce((n, i) => n + i.size, 0),
      pods: this.podInformers.reduce((n, i) => n + i.size, 0),
    });
  }

  /**
   * newQueue holds keys until start(), which comes once every cache has listed: a key reconciled
   * before its object is in the cache would read as deleted.
   */
  private newQueue(deps: ReconcileDeps): WorkQueue {
    return new WorkQueue(
      (key) => this.reconcileKey(key, deps),
      {
        concurrency: this.settings.concurrency,
        retry: (err) => !(err instanceof PermanentError),
        requeueAfterError: (err) => (err instanceof ReconcileError ? err.requeueAfterMs : undefined),
        // A held status is a status write waiting to go: it goes before Pod creates (see WorkQueue).
        requeueLane: 'urgent',
        paused: true,
      },
      (key, err, retryInMs) => {
        // A permanent failure is in the status and an Event; the next change to the object retries it.
        this.log.warn('reconcile failed', { key, error: (err as Error).message, retryInMs });
      },
    );
  }

  /** podInformer caches the Pods this operator manages in one scope (a namespace, or '' for all). */
  private podInformer(scope: string): Informer<V1Pod> {
    return new Informer<V1Pod>({
      http: this.http,
      path: `/api/v1${scope}/pods`,
      labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}`,
      log: this.log,
      onChange: (pod, deleted) => this.onPod(pod, deleted),
      transform: (pod) => this.strings.intern(slimPod(pod)),
      onWatch: () => this.metrics.watchRestarts.inc({ resource: 'pods' }),
      onRelist: () => this.metrics.relists.inc({ resource: 'pods' }),
    });
  }

  /** appInformer caches the AppWithHelpers of one scope (a namespace, or '' for all). */
  private appInformer(scope: string): Informer<AppWithHelpers> {
    return new Informer<AppWithHelpers>({
      http: this.http,
      path: `/apis/${GROUP}/${VERSION}${scope}/${PLURAL}`,
      log: this.log,
      onChange: (app) => {
        this.lastWritten.observe(keyOf(app), app);
        this.queue!.add(keyOf(app));
      },
      transform: (app) => {
        // A new object, not `delete`: an object that loses a property turns into a hash table (448
        // bytes more for each cached AppWithHelpers' metadata).
        const { managedFields: _, ...metadata } = app.metadata as typeof app.metadata & { managedFields?: unknown };
        app.metadata = metadata;
        return this.strings.intern(app);
      },
      onWatch: () => this.metrics.watchRestarts.inc({ resource: PLURAL }),
      onRelist: () => {
        this.lastWritten.clear();
        this.metrics.relists.inc({ resource: PLURAL });
      },
    });
  }

  private async reconcileKey(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
    const t0 = Date.now();
    const log = this.log.child({ key });
    const stopTimer = this.metrics.reconcileSeconds.startTimer();
    try {
      const result = await reconcile(key, { ...deps, log });
      const { outcome } = result;
      this.metrics.reconciles.inc({ result: outcome });
      if (outcome === 'deleted') this.metrics.forgetApp(...(key.split('/') as [string, string]));
      // A reconcile that changed nothing is logged at debug, as Kubernetes' controllers log their syncs
      // at V(4): with a line per Pod event, winston was a sixth of the operator's CPU in a profile under load.
      (QUIET_OUTCOMES.has(outcome) ? log.debug : log.info).call(log, 'reconciled', { outcome, ms: Date.now() - t0 });
      return result;
    } catch (err) {
      this.metrics.reconciles.inc({ result: 'error', error: errorKind(err) });
      throw err;
    } finally {
      stopTimer();
      this.metrics.queueDepth.set(this.queue!.depth);
    }
  }

  /** A Pod event becomes the keys of the apps it concerns; the event itself is never an input. */
  private onPod(pod: V1Pod, deleted: boolean): void {
    const keys = this.pods.onPod(pod, deleted);
    const key = controllerKeyOf(pod);
    try {
      this.helperMetrics.observe(
        pod,
        deleted,
        key?.split('/')[1],
        key ? this.pods.podsOf(key) : [],
        !!key && this.appInformers.some((i) => i.get(key)),
      );
    } finally {
      // A Pod changed: its app's status may have news, which should not wait behind creates.
      keys.forEach((k) => this.queue?.add(k, 'urgent'));
    }
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
