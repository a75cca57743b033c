import { strict as assert } from 'node:assert';
import { KubeClient } from '../../../src/k8s/client';
import type { KubeHttp } from '../../../src/k8s/http';
import { ApiError } from '../../../src/k8s/api-error';
import { anApp, aPod, NOW } from '../../fixtures';

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

describe('KubeClient.createPod', () => {
  const app = anApp();
  const answering = (existing: unknown) =>
    ({
      request: async (method: string) => {
        if (method === 'POST') throw new ApiError(409, 'AlreadyExists', 'pods "shop-x-0" already exists');
        return existing;
      },
    }) as unknown as KubeHttp;
  const pod = () => aPod(app).build();

  it('takes AlreadyExists of a Pod this owner controls as done (a create that timed out but succeeded)', async () => {
    assert.equal(await new KubeClient(answering(pod())).createPod(pod()), 'exists');
  });

  it('reports a Pod of that name controlled by another owner, or by none, as taken', async () => {
    const other = pod();
    other.metadata!.ownerReferences = [{ ...other.metadata!.ownerReferences![0], uid: 'uid-old' }];
    assert.equal(await new KubeClient(answering(other)).createPod(pod()), 'taken');
    const orphan = pod();
    orphan.metadata!.ownerReferences = [];
    assert.equal(await new KubeClient(answering(orphan)).createPod(pod()), 'taken');
  });

  it('reports its own Pod taken aside (managed-by label removed) as taken: the cache will never show it', async () => {
    const aside = pod();
    delete aside.metadata!.labels!['app.kubernetes.io/managed-by'];
    assert.equal(await new KubeClient(answering(aside)).createPod(pod()), 'taken');
  });

  it('retries when the Pod went between the create and the read', async () => {
    const gone = {
      request: async (method: string) => {
        if (method === 'POST') throw new ApiError(409, 'AlreadyExists', 'exists');
        throw new ApiError(404, 'NotFound', 'not found');
      },
    } as unknown as KubeHttp;
    await assert.rejects(new KubeClient(gone).createPod(pod()), (err: ApiError) => err.retryable);
  });
});
