import * as path from 'node:path';
import { ControlPlane, sleep } from './control-plane';

const crdDir = path.join(__dirname, '../../crds');

/**
 * installCrd applies crds/ and waits until the API server serves AppWithHelpers. It polls the
 * condition itself: `kubectl wait` fails outright when it looks before the CRD has any status.
 */
export async function installCrd(cluster: ControlPlane): Promise<void> {
  await cluster.kubectl(['apply', '-f', crdDir]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    // Before the CRD has conditions, kubectl's jsonpath filter fails instead of printing nothing.
    const established = await cluster
      .kubectl([
        'get',
        'crd',
        'appwithhelpers.helpers.dev',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ])
      .catch(() => '');
    if (established.trim() === 'True') return;
    if (Date.now() > deadline) throw new Error('the AppWithHelpers CRD was not Established after 30s');
    await sleep(100);
  }
}
