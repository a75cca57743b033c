import * as http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Metrics of the operator. Label sets are bounded: results, error kinds (set on errors only), verbs
 * and codes are small enums, and the per-AppWithHelpers series (sidecar restarts) are removed when
 * the AppWithHelpers goes.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'appwithhelpers_reconcile_total',
    help:
      'Reconciles by outcome (updated, unchanged, held, invalid, waiting, deleted, error), errors also by kind ' +
      '(permanent, transient: a Pod write; unreachable, api: the status write; other)',
    labelNames: ['result', 'error'],
    registers: [this.registry],
  });
  readonly reconcileSeconds = new Histogram({
    name: 'appwithhelpers_reconcile_duration_seconds',
    help: 'Time to reconcile one AppWithHelpers',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'appwithhelpers_queue_depth',
    help: 'Keys waiting in the work queue',
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'appwithhelpers_watch_restarts_total',
    help: 'Watches (re)opened, by resource',
    labelNames: ['resource'],
    registers: [this.registry],
  });
  readonly relists = new Counter({
    name: 'appwithhelpers_relists_total',
    help: 'Full lists, by resource (only at start and after 410 Gone)',
    labelNames: ['resource'],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'appwithhelpers_api_requests_total',
    help: 'API server requests by verb and status code (0: no answer)',
    labelNames: ['verb', 'code'],
    registers: [this.registry],
  });
  // Per namespace, not per AppWithHelpers: a histogram series costs about 7.6 KB of heap (and 12
  // Prometheus series) each, which per object would outweigh everything else the operator keeps.
  readonly initStepSeconds = new Histogram({
    name: 'appwithhelpers_init_step_duration_seconds',
    help: 'How long init steps ran until they succeeded, per namespace',
    labelNames: ['namespace'],
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly sidecarRestarts = new Gauge({
    name: 'appwithhelpers_sidecar_restarts',
    help: 'Sidecar container restarts across the Pods of an AppWithHelpers',
    labelNames: ['namespace', 'appwithhelpers'],
    registers: [this.registry],
  });
  /** Only for AppWithHelpers with optional sidecars: their restarts, also counted in sidecarRestarts. */
  readonly optionalSidecarRestarts = new Gauge({
    name: 'appwithhelpers_optional_sidecar_restarts',
    help: 'Restarts of the optional sidecars across the Pods of an AppWithHelpers (also in appwithhelpers_sidecar_restarts)',
    labelNames: ['namespace', 'appwithhelpers'],
    registers: [this.registry],
  });
  readonly eventsDropped = new Counter({
    name: 'appwithhelpers_events_dropped_total',
    help: 'Events not sent because too many were already waiting for the client rate limit',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'appwithhelpers_leader',
    help: '1 while this process holds the leader Lease',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  forgetApp(namespace: string, name: string): void {
    this.sidecarRestarts.remove({ namespace, appwithhelpers: name });
    this.optionalSidecarRestarts.remove({ namespace, appwithhelpers: name });
  }
}

export interface Probes {
  /** Alive: the event loop answers. */
  healthy(): boolean;
  /** Ready: leader with synced caches, or a standby waiting for the Lease. */
  ready(): { ok: boolean; detail: string };
}

/** serveProbes serves /metrics, /healthz and /readyz on one port. */
export function serveProbes(port: number, metrics: Metrics, probes: Probes): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
    } else if (req.url === '/healthz' || req.url === '/livez') {
      const ok = probes.healthy();
      res.writeHead(ok ? 200 : 500).end(ok ? 'ok' : 'unhealthy');
    } else if (req.url === '/readyz') {
      const { ok, detail } = probes.ready();
      res.writeHead(ok ? 200 : 503).end(detail);
    } else {
      res.writeHead(404).end('not found: try /metrics, /healthz or /readyz');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
