import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { isControlledBy, isFinished, restartsOf, slimPod, slotOf, toIso } from '../../../src/core/pod-facts';
import { printPod } from '../../../src/core/print-pod';
import { anApp, aPod, NOW } from '../../fixtures';
import { status } from './status/helpers';

const named = (name: string, annotations?: Record<string, string>): V1Pod => ({ metadata: { name, annotations } });

describe('pod facts', () => {
  const slots: Array<[V1Pod, number]> = [
    [named('shop-abcde-2', { 'helpers.dev/slot': '4' }), 4],
    [named('shop-abcde-2'), 2],
    [named('shop-abcde-2-1', { 'helpers.dev/slot': '2' }), 2],
    [named('shop-abcde-x'), -1],
    [named('shop', { 'helpers.dev/slot': '-1' }), -1],
  ];
  for (const [pod, slot] of slots) {
    it(`slotOf ${pod.metadata!.name} ${JSON.stringify(pod.metadata!.annotations ?? {})} is ${slot}`, () => {
      assert.equal(slotOf(pod), slot);
    });
  }

  it('isControlledBy needs a controller reference with that uid', () => {
    const pod = aPod(anApp()).build();
    assert.ok(isControlledBy(pod, 'uid-1'));
    assert.ok(!isControlledBy(pod, 'uid-2'));
    pod.metadata!.ownerReferences![0].controller = false;
    assert.ok(!isControlledBy(pod, 'uid-1'));
  });

  it('isFinished for Succeeded and Failed only', () => {
    for (const [phase, finished] of [
      ['Succeeded', true],
      ['Failed', true],
      ['Running', false],
      ['Pending', false],
    ] as const)
      assert.equal(isFinished({ status: { phase } }), finished, phase);
  });

  it('restartsOf sums init and app containers', () => {
    const pod: V1Pod = {
      status: {
        initContainerStatuses: [{ name: 'a', restartCount: 2 } as never],
        containerStatuses: [{ name: 'b', restartCount: 3 } as never, { name: 'c' } as never],
      },
    };
    assert.equal(restartsOf(pod), 5);
  });

  it('toIso drops milliseconds from a Date and keeps a string as it is', () => {
    assert.equal(toIso(new Date('2026-12-01T10:00:00.123Z')), '2026-12-01T10:00:00Z');
    assert.equal(toIso('2026-12-01T10:00:00Z'), '2026-12-01T10:00:00Z');
    assert.equal(toIso(undefined), undefined);
  });

  it('slimPod keeps what planning, status and printing read, and drops managed fields', () => {
    const pod = aPod(anApp().withStep('migrate')).ready().build();
    (pod.metadata as Record<string, unknown>).managedFields = [{ manager: 'kubelet' }];
    const slim = slimPod(pod);
    assert.equal((slim.metadata as Record<string, unknown>).managedFields, undefined);
    assert.deepEqual(slim.metadata!.ownerReferences, pod.metadata!.ownerReferences);
    assert.deepEqual(slim.spec!.initContainers, [{ name: 'migrate' }]);
    assert.equal(slim.status!.phase, pod.status!.phase);
  });

  it('slimPod keeps the Pod conditions and container ends that are read, without what is not', () => {
    const pod = aPod(anApp().withStep('migrate')).ready().build();
    pod.status!.conditions = [
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ];
    const end = {
      exitCode: 1,
      reason: 'Error',
      message: 'no such table',
      startedAt: new Date('2026-12-01T10:00:00Z'),
      finishedAt: new Date('2026-12-01T10:00:01Z'),
      containerID: 'containerd://4f1c2e',
    };
    pod.status!.initContainerStatuses = [
      {
        name: 'migrate',
        image: 'x',
        imageID: 'y',
        ready: false,
        restartCount: 1,
        state: { terminated: end },
        lastState: { terminated: end },
      },
    ];
    const slim = slimPod(pod);
    assert.deepEqual(slim.status!.conditions, [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
    ]);
    const { containerID: _, ...read } = end;
    assert.deepEqual(slim.status!.initContainerStatuses![0].state, { terminated: read });
    assert.deepEqual(slim.status!.initContainerStatuses![0].lastState, { terminated: read });
    const gated = aPod(anApp()).created().build();
    gated.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }];
    assert.deepEqual(slimPod(gated).status!.conditions, gated.status!.conditions);
  });
});

describe('slimPod', () => {
  const app = anApp()
    .withStep('config-initializer')
    .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
    .withSidecar('monitor');
  const pods: Array<[string, V1Pod]> = [
    ['created', aPod(app).created().build()],
    ['initializing', aPod(app).initDone(1).build()],
    ['ready', aPod(app).ready().build()],
    ['crash-looping', aPod(app).crashLooping('wait-for-db').build()],
    ['terminating', aPod(app).ready().terminating().build()],
  ];
  for (const [name, pod] of pods) {
    it(`keeps everything status and printing read: ${name}`, () => {
      const full = status(app, [pod]);
      assert.deepEqual(status(app, [slimPod(pod)]), full);
      assert.deepEqual(printPod(slimPod(pod), NOW), printPod(pod, NOW));
      assert.ok(JSON.stringify(slimPod(pod)).length < JSON.stringify(pod).length);
    });
  }
});
