import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { V1Pod } from '@kubernetes/client-node';
import { printPod } from '../../src/core/print-pod';
import { ControlPlane, sleep } from '../../hack/cluster/control-plane';

/** One version of a Pod: what the server prints for it (as kubectl get pod does), and the Pod itself. */
export interface PodLook {
  status: string;
  ready: string;
  /** The number only: the server's "(5s ago)" part ticks with the clock. */
  restarts: string;
  pod: V1Pod;
}

const row = (r: { status: string; ready: string; restarts: string | number }) => `${r.status} ${r.ready} ${r.restarts}`;

/**
 * watch streams a watch from the API server, calling onEvent for each object and event type
 * (ADDED, MODIFIED, DELETED). With asTable the server prints each object as a Table row (the
 * same printing `kubectl get` shows). Returns what stops it.
 */
export function watch(
  cluster: ControlPlane,
  path: string,
  asTable: boolean,
  onEvent: (object: unknown, type: string) => void,
): () => void {
  const req = https.get(
    {
      host: cluster.address,
      port: cluster.apiserverPort,
      path,
      headers: asTable ? { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } : {},
      ca: readFileSync(cluster.pki.caCert),
      cert: readFileSync(cluster.pki.adminCert),
      key: readFileSync(cluster.pki.adminKey),
    },
    (res) => {
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines.filter((l) => l.trim())) {
          const event = JSON.parse(line) as { type: string; object: unknown };
          onEvent(event.object, event.type);
        }
      });
    },
  );
  req.on('error', () => undefined); // destroyed on stop
  return () => req.destroy();
}

interface TableRow {
  cells: unknown[];
  object: V1Pod;
}

/**
 * PodLife follows the Pods of one AppWithHelpers through watches, so no version is missed: every
 * Pod version as the server prints it, every AppWithHelpers status version, and a check at each
 * Pod version that our printPod prints what the server prints.
 */
export class PodLife {
  /** The distinct STATUS strings the server printed for the Pod, in order. */
  readonly statuses: string[] = [];
  readonly serverRows = new Set<string>();
  readonly awhRows = new Set<string>();
  readonly disagreements: string[] = [];
  /** Every version of the Pod the watch saw, and when (ms since the watch began) with its printed row. */
  readonly versions: V1Pod[] = [];
  readonly timeline: Array<{ ms: number; row: string }> = [];
  last?: PodLook;
  private readonly stops: Array<() => void>;
  private readonly t0 = Date.now();
  private doneAt?: number;

  constructor(
    cluster: ControlPlane,
    private readonly ns: string,
    private readonly app: string,
  ) {
    const selector = encodeURIComponent(`helpers.dev/app=${app}`);
    this.stops = [
      watch(
        cluster,
        `/api/v1/namespaces/${ns}/pods?watch=1&labelSelector=${selector}&includeObject=Object`,
        true,
        (o) => this.onPodTable(o as { rows?: TableRow[] }),
      ),
      watch(
        cluster,
        `/apis/helpers.dev/v1alpha1/namespaces/${ns}/appwithhelpers?watch=1&fieldSelector=metadata.name%3D${app}`,
        false,
        (o) => this.onApp(o as { status?: { pods?: Array<{ status: string; ready: string; restarts: number }> } }),
      ),
    ];
  }

  /** Seconds from the start of the watch until the wait that ended last. */
  get seconds(): number {
    return ((this.doneAt ?? Date.now()) - this.t0) / 1000;
  }

  /** until resolves once done() holds for the latest Pod version. */
  async until(done: (look: PodLook) => boolean, timeoutMs: number): Promise<PodLook> {
    const deadline = Date.now() + timeoutMs;
    while (!this.last || !done(this.last)) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.ns}/${this.app}: its Pod did not get there in ${timeoutMs / 1000}s; the server printed ${this.statuses.join(' → ')}; last ${this.last ? row(this.last) : 'none'}`,
        );
      await sleep(50);
    }
    this.doneAt = Date.now();
    return this.last;
  }

  /** The AppWithHelpers showed only rows the server printed (it may lag a version, never invent one). */
  async assertAwhShowedServerRows(): Promise<void> {
    await sleep(1000); // the last status write may trail the last Pod version
    assert.deepEqual(this.disagreements, [], 'printPod disagreed with the server');
    const invented = [...this.awhRows].filter((r) => !this.serverRows.has(r));
    assert.deepEqual(
      invented,
      [],
      `the AppWithHelpers showed rows the server never printed; server: ${[...this.serverRows].join(' | ')}`,
    );
  }

  stop(): void {
    this.stops.forEach((s) => s());
  }

  private onPodTable(table: { rows?: TableRow[] }): void {
    for (const r of table.rows ?? []) {
      const [, ready, status, restarts] = r.cells.map(String);
      const look = { status, ready, restarts: restarts.replace(/\s*\(.*\)/, ''), pod: r.object };
      if (r.object.metadata?.deletionTimestamp) continue; // a Pod on its way out is not this life
      const ours = printPod(r.object, new Date());
      const mine = { status: ours.status, ready: ours.ready, restarts: ours.restarts.replace(/\s*\(.*\)/, '') };
      if (row(mine) !== row(look)) this.disagreements.push(`ours ${row(mine)} / server ${row(look)}`);
      this.last = look;
      this.versions.push(r.object);
      this.timeline.push({ ms: Date.now() - this.t0, row: row(look) });
      if (this.statuses[this.statuses.length - 1] !== status) this.statuses.push(status);
      this.serverRows.add(row(look));
    }
  }

  private onApp(app: { status?: { pods?: Array<{ status: string; ready: string; restarts: number }> } }): void {
    for (const entry of app.status?.pods ?? []) this.awhRows.add(row(entry));
  }
}

/**
 * runStarts says when each run of a container began (ms, by restart count), from every Pod
 * version seen: a run's startedAt is in its state while it runs and once it has ended.
 */
export function runStarts(life: PodLife, container: string): number[] {
  const starts = new Map<number, number>();
  for (const pod of life.versions) {
    const c = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find(
      (s) => s.name === container,
    );
    const started = c?.state?.running?.startedAt ?? c?.state?.terminated?.startedAt;
    if (c && started) starts.set(c.restartCount, new Date(started).getTime());
  }
  return [...starts.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t);
}
