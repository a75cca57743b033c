import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { V1Pod } from '@kubernetes/client-node';
import { printPod } from '../../src/core/print-pod';
import { ControlPlane, sleep } from '../../hack/cluster/control-plane';
import { testCluster } from './cluster-hooks';
import { createNamespace, podYaml } from './kube-helpers';

interface Row {
  cells: string[];
  object: V1Pod;
}

/** serverRow asks the API server to print a Pod as a Table, with the Pod itself in the same answer. */
function serverRow(cluster: ControlPlane, ns: string, name: string): Promise<Row> {
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
            const table = JSON.parse(body);
            if (!table.rows) return reject(new Error(body));
            resolve({ cells: table.rows[0].cells.map(String), object: table.rows[0].object });
          });
        },
      )
      .on('error', reject);
  });
}

describe('printPod against the real server printing the same Pod', () => {
  const ns = 'printing';
  before(async () => createNamespace(testCluster(), ns));

  const pods: Array<[string, Parameters<typeof podYaml>[1], (printed: string) => boolean]> = [
    [
      'init steps and a native sidecar walking to Running',
      { init: ['a', 'b'], nativeSidecars: ['proxy'], annotations: { 'kwok.helpers.dev/step-delay': '150ms' } },
      (s) => s === 'Running',
    ],
    [
      'a crash-looping init step',
      {
        init: ['migrate'],
        annotations: { 'kwok.helpers.dev/fail': 'migrate', 'kwok.helpers.dev/step-delay': '150ms' },
      },
      () => false,
    ],
    [
      'a crash-looping sidecar',
      {
        init: ['a'],
        nativeSidecars: ['proxy'],
        annotations: { 'kwok.helpers.dev/fail': 'proxy', 'kwok.helpers.dev/step-delay': '150ms' },
      },
      () => false,
    ],
    [
      'a crash-looping app',
      { annotations: { 'kwok.helpers.dev/fail': 'app', 'kwok.helpers.dev/step-delay': '150ms' } },
      () => false,
    ],
  ];
  pods.forEach(([what, shape, done], i) => {
    it(`agrees at every step: ${what}`, async () => {
      const cluster = testCluster();
      const name = `p${i}`;
      await cluster.kubectl(['apply', '-n', ns, '-f', '-'], podYaml(name, shape));
      const seen = new Set<string>();
      const deadline = Date.now() + 4000;
      while (Date.now() < deadline) {
        const { cells, object } = await serverRow(cluster, ns, name);
        const [, ready, status, restarts] = cells;
        // RESTARTS ends in "(Ns ago)"; the seconds can tick between the server's clock and ours.
        const ours = printPod(object, new Date());
        assert.deepEqual(
          { ready: ours.ready, status: ours.status, restarts: ours.restarts.replace(/\(.*\)/, '') },
          { ready, status, restarts: restarts.replace(/\(.*\)/, '') },
        );
        seen.add(status);
        if (done(status)) break;
        await sleep(40);
      }
      assert.ok(seen.size >= 3, `saw only ${[...seen].join(', ')}`);
    });
  });
});
