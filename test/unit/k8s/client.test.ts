import { strict as assert } from 'node:assert';
import { KubeClient } from '../../../src/k8s/client';
import { ApiError } from '../../../src/k8s/api-error';
import type { KubeHttp } from '../../../src/k8s/http';
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

/** A KubeHttp that answers at once, Events' names echoed, and records what was sent. */
function answeringHttp(answer: (method: string, path: string) => unknown = () => ({})) {
  const sent: Array<{ method: string; path: string; body: Record<string, unknown> }> = [];
  const http = {
    request: async (method: string, path: string, body: Record<string, unknown>) => {
      sent.push({ method, path, body });
      const a = answer(method, path);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { http: http as unknown as KubeHttp, sent };
}

describe('KubeClient Events, as client-go records them', () => {
  const app = anApp().object();
  const at = (s: number) => new Date(NOW.getTime() + s * 1000);

  it('creates an Event once, then patches its count and lastTimestamp on each repeat', async () => {
    const { http, sent } = answeringHttp();
    const client = new KubeClient(http, { maxPending: 10 });
    for (const s of [0, 5, 9]) await client.recordEvent(app, 'Warning', 'InitStepCrashLooping', 'keeps failing', at(s));
    assert.deepEqual(
      sent.map((r) => `${r.method} ${r.body.count} ${r.body.lastTimestamp}`),
      ['POST 1 2026-11-25T12:00:00.000Z', 'PATCH 2 2026-11-25T12:00:05.000Z', 'PATCH 3 2026-11-25T12:00:09.000Z'],
    );
    const name = (sent[0].body.metadata as { name: string }).name;
    assert.equal(sent[1].path, `/api/v1/namespaces/ns/events/${name}`);
  });

  it('creates a new Event when the one to patch expired (404)', async () => {
    const { http, sent } = answeringHttp((method) =>
      method === 'PATCH' ? new ApiError(404, 'NotFound', 'events "x" not found') : {},
    );
    const client = new KubeClient(http, { maxPending: 10 });
    await client.recordEvent(app, 'Warning', 'R', 'm', at(0));
    await client.recordEvent(app, 'Warning', 'R', 'm', at(1));
    await client.recordEvent(app, 'Warning', 'R', 'm', at(2));
    assert.deepEqual(
      sent.map((r) => r.method),
      ['POST', 'PATCH', 'POST', 'PATCH', 'POST'],
    );
  });
});
