import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { V1Pod } from '@kubernetes/client-node';
import { printPod } from '../../src/core/print-pod';
import { ControlPlane, sleep } from '../cluster/control-plane';

/** One look at a Pod: what the server prints for it, and the Pod itself from the same answer. */
export interface PodLook {
  status: string;
  ready: string;
  /** The number only: the server's "(5s ago)" part ticks with the clock. */
  restarts: string;
  pod: V1Pod;
}

/** serverPrints asks the API server to print a Pod as a Table (as kubectl get pod does), with the Pod. */
export function serverPrints(cluster: ControlPlane, ns: string, name: string): Promise<PodLook | undefined> {
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: '127.0.0.1',
          port: cluster.apiserverPort,
          path: `/api/v1/namespaces/${ns}/pods/${name}?includeObject=Object`,
          headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
          ca: readFileSync(cluster.pki.caCert),
          cert: readFileSync(cluster.pki.adminCert),
          key: readFileSync(cluster.pki.adminKey),
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => {
            if (res.statusCode === 404) return resolve(undefined);
            const table = JSON.parse(body);
            if (!table.rows) return reject(new Error(body));
            const [, ready, status, restarts] = table.rows[0].cells.map(String);
            resolve({ status, ready, restarts: restarts.replace(/\s*\(.*\)/, ''), pod: table.rows[0].object });
          });
        },
      )
      .on('error', reject);
  });
}

interface AwhPodEntry {
  name: string;
  status: string;
  ready: string;
  restarts: number;
}

export interface PodLife {
  /** The distinct STATUS strings the server printed for the Pod, in order. */
  statuses: string[];
  /** Distinct "STATUS READY RESTARTS" rows the server printed, and the ones the AppWithHelpers showed. */
  serverRows: Set<string>;
  awhRows: Set<string>;
  /** Seconds from the start of the watch until done() held. */
  seconds: number;
  last: PodLook;
}

const row = (r: { status: string; ready: string; restarts: string | number }) => `${r.status} ${r.ready} ${r.restarts}`;

/**
 * followPod watches the one Pod of an AppWithHelpers until done() holds. At every look it checks
 * that our printPod agrees with the server for the same Pod object, and collects what the
 * AppWithHelpers status shows for that Pod, so the caller can check it showed nothing the
 * server never printed.
 */
export async function followPod(
  cluster: ControlPlane,
  ns: string,
  app: string,
  done: (look: PodLook) => boolean,
  timeoutMs: number,
): Promise<PodLife> {
  const t0 = Date.now();
  const life: Omit<PodLife, 'last' | 'seconds'> = { statuses: [], serverRows: new Set(), awhRows: new Set() };
  let last: PodLook | undefined;
  for (;;) {
    const names = (await cluster.kubectl(['get', 'pods', '-n', ns, '-l', `helpers.dev/app=${app}`, '-o', 'name']))
      .split('\n')
      .filter(Boolean)
      .map((n) => n.replace('pod/', ''));
    if (names.length === 1) {
      const look = await serverPrints(cluster, ns, names[0]);
      if (look) {
        last = look;
        const ours = printPod(look.pod, new Date());
        assert.deepEqual(
          { status: ours.status, ready: ours.ready, restarts: ours.restarts.replace(/\s*\(.*\)/, '') },
          { status: look.status, ready: look.ready, restarts: look.restarts },
          `printPod disagrees with the server for ${names[0]}`,
        );
        if (life.statuses[life.statuses.length - 1] !== look.status) life.statuses.push(look.status);
        life.serverRows.add(row(look));
        const entries = JSON.parse(
          (await cluster.kubectl(['get', 'awh', '-n', ns, app, '-o', 'jsonpath={.status.pods}'])) || '[]',
        ) as AwhPodEntry[];
        const entry = entries.find((e) => e.name === names[0]);
        if (entry) life.awhRows.add(row(entry));
        if (done(look)) return { ...life, last, seconds: (Date.now() - t0) / 1000 };
      }
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(
        `${ns}/${app}: its Pod did not get there in ${timeoutMs / 1000}s; the server printed ${life.statuses.join(' → ')}; last ${last ? row(last) : 'none'}`,
      );
    await sleep(150);
  }
}

/** The AppWithHelpers showed only rows the server printed (it may lag a step, never invent one). */
export function assertAwhShowedServerRows(life: PodLife): void {
  const invented = [...life.awhRows].filter((r) => !life.serverRows.has(r));
  assert.deepEqual(
    invented,
    [],
    `the AppWithHelpers showed rows the server never printed; server: ${[...life.serverRows].join(' | ')}`,
  );
}
