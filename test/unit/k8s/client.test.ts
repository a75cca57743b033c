import { strict as assert } from 'node:assert';
import { KubeClient } from '../../../src/k8s/client';
import type { KubeHttp } from '../../../src/k8s/http';
import { anApp, NOW } from '../../fixtures';

/** A KubeHttp whose requests wait until the test lets them go, as under a saturated rate limit. */
function heldHttp() {
  const sent: string[] = [];
  const waiting: Array<() => void> = [];
  const http = {
    request: (method: string, path: string) => {
      sent.push(`${method} ${path}`);
      return new Promise<void>((r) => waiting.push(r));
    },
  };
  return { http: http as unknown as KubeHttp, sent, release: () => waiting.splice(0).forEach((r) => r()) };
}

describe('KubeClient Events', () => {
  it('keeps at most maxPending Events waiting and drops the rest, counted, until some are sent', async () => {
    const { http, sent, release } = heldHttp();
    let dropped = 0;
    const client = new KubeClient(http, { maxPending: 2, onDropped: () => dropped++ });
    const app = anApp().object();
    const first = [1, 2, 3].map((i) => client.recordEvent(app, 'Normal', 'PodCreated', `event ${i}`, NOW));
    assert.equal(sent.length, 2);
    assert.equal(dropped, 1);
    release();
    await Promise.all(first);
    const later = client.recordEvent(app, 'Normal', 'PodCreated', 'event 4', NOW);
    assert.equal(sent.length, 3, 'room again once the waiting ones went');
    release();
    await later;
  });
});
