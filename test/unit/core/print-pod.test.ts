import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { printPod, type PrintedPod } from '../../../src/core/print-pod';

// A port of TestPrintPod and TestPrintPodWithRestartableInitContainer from Kubernetes v1.36.3
// (pkg/printers/internalversion/printers_test.go). Each Go case expects a row
// [name, READY, STATUS, RESTARTS, AGE]; only READY, STATUS and RESTARTS are asserted here, and the
// row Conditions (podSuccessConditions / podFailedConditions) that some cases also expect are not
// part of what printPod returns. The Go cases use time.Now(); here every time is relative to `now`.

/** Like V1Pod, but every field optional at any depth, so a case spells only what its Go literal sets. */
type DeepPartial<T> = T extends Date ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
type Case = [name: string, pod: DeepPartial<V1Pod>, want: PrintedPod];

const now = new Date('2026-01-01T00:00:00Z');
const s = 1000;
const m = 60 * s;
const d = 24 * 60 * m;
const ago = (ms: number): Date => new Date(now.getTime() - ms);
/** make([]api.Container, n): n zero-valued containers. */
const make = (n: number) => Array.from({ length: n }, () => ({ name: '' }));
const always = 'Always'; // containerRestartPolicyAlways

function run(cases: Case[]): void {
  for (const [name, pod, want] of cases) {
    it(name, () => assert.deepEqual(printPod(pod as V1Pod, now), want));
  }
}

describe('printPod', () => {
  describe('TestPrintPod', () => {
    const deleteTime = ago(10 * s);
    run([
      [
        'test1: counts containers, restarts and ready containers',
        {
          metadata: { name: 'test1' },
          spec: { containers: make(2) },
          status: {
            phase: 'podPhase',
            containerStatuses: [{ ready: true, restartCount: 3, state: { running: {} } }, { restartCount: 3 }],
          },
        },
        { ready: '1/2', status: 'podPhase', restarts: '6' },
      ],
      [
        'test2: a container waiting reason overwrites the pod phase',
        {
          metadata: { name: 'test2' },
          spec: { containers: make(2) },
          status: {
            phase: 'podPhase',
            containerStatuses: [
              { ready: true, restartCount: 3, state: { running: {} } },
              { state: { waiting: { reason: 'ContainerWaitingReason' } }, restartCount: 3 },
            ],
          },
        },
        { ready: '1/2', status: 'ContainerWaitingReason', restarts: '6' },
      ],
      [
        'test3: with a terminated container too, the first container overwrites the rest',
        {
          metadata: { name: 'test3' },
          spec: { containers: make(2) },
          status: {
            phase: 'podPhase',
            containerStatuses: [
              { state: { waiting: { reason: 'ContainerWaitingReason' } }, restartCount: 3 },
              { state: { terminated: { reason: 'ContainerTerminatedReason' } }, restartCount: 3 },
            ],
          },
        },
        { ready: '0/2', status: 'ContainerWaitingReason', restarts: '6' },
      ],
      [
        'test4: ready is not enough for reporting running',
        {
          metadata: { name: 'test4' },
          spec: { containers: make(2) },
          status: {
            phase: 'podPhase',
            containerStatuses: [
              { ready: true, restartCount: 3, state: { running: {} } },
              { ready: true, restartCount: 3 },
            ],
          },
        },
        { ready: '1/2', status: 'podPhase', restarts: '6' },
      ],
      [
        'test5: ready is not enough for reporting running, and the pod reason wins over the phase',
        {
          metadata: { name: 'test5' },
          spec: { containers: make(2) },
          status: {
            reason: 'podReason',
            phase: 'podPhase',
            containerStatuses: [
              { ready: true, restartCount: 3, state: { running: {} } },
              { ready: true, restartCount: 3 },
            ],
          },
        },
        { ready: '1/2', status: 'podReason', restarts: '6' },
      ],
      [
        'test6: one container running and the other completed, without Ready condition, is NotReady',
        {
          metadata: { name: 'test6' },
          spec: { containers: make(2) },
          status: {
            phase: 'Running',
            reason: '',
            containerStatuses: [
              { ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
              { ready: true, restartCount: 3, state: { running: {} } },
            ],
          },
        },
        { ready: '1/2', status: 'NotReady', restarts: '6' },
      ],
      [
        'test6: one container running and the other completed, with Ready condition, is Running',
        {
          metadata: { name: 'test6' },
          spec: { containers: make(2) },
          status: {
            phase: 'Running',
            reason: '',
            containerStatuses: [
              { ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
              { ready: true, restartCount: 3, state: { running: {} } },
            ],
            conditions: [{ type: 'Ready', status: 'True', lastProbeTime: now }],
          },
        },
        { ready: '1/2', status: 'Running', restarts: '6' },
      ],
      [
        'test7: 1 init container restarting and 1 container not running',
        {
          metadata: { name: 'test7' },
          spec: { initContainers: make(1), containers: make(1) },
          status: {
            phase: 'podPhase',
            initContainerStatuses: [
              {
                ready: false,
                restartCount: 3,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(10 * s) } },
              },
            ],
            containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
          },
        },
        { ready: '0/1', status: 'Init:0/1', restarts: '3 (10s ago)' },
      ],
      [
        'test8: 2 init containers, one restarting and the other not running, and 1 container not running',
        {
          metadata: { name: 'test8' },
          spec: { initContainers: make(2), containers: make(1) },
          status: {
            phase: 'podPhase',
            initContainerStatuses: [
              {
                ready: false,
                restartCount: 3,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(10 * s) } },
              },
              { ready: false, state: { waiting: {} } },
            ],
            containerStatuses: [{ ready: false, state: { waiting: {} } }],
          },
        },
        { ready: '0/1', status: 'Init:0/2', restarts: '3 (10s ago)' },
      ],
      [
        'test9: 2 init containers, one completed without restarts and the other restarting, and 1 container not running',
        {
          metadata: { name: 'test9' },
          spec: { initContainers: make(2), containers: make(1) },
          status: {
            phase: 'podPhase',
            initContainerStatuses: [
              { ready: false, state: { terminated: {} } },
              {
                ready: false,
                restartCount: 3,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(10 * s) } },
              },
            ],
            containerStatuses: [{ ready: false, state: { waiting: {} } }],
          },
        },
        { ready: '0/1', status: 'Init:1/2', restarts: '3 (10s ago)' },
      ],
      [
        'test10: 2 init containers, one completed with restarts and the other restarting, and 1 container not running',
        {
          metadata: { name: 'test10' },
          spec: { initContainers: make(2), containers: make(1) },
          status: {
            phase: 'podPhase',
            initContainerStatuses: [
              {
                ready: false,
                restartCount: 2,
                state: { terminated: {} },
                lastState: { terminated: { finishedAt: ago(2 * m) } },
              },
              {
                ready: false,
                restartCount: 3,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(10 * s) } },
              },
            ],
            containerStatuses: [{ ready: false, state: { waiting: {} } }],
          },
        },
        { ready: '0/1', status: 'Init:1/2', restarts: '5 (10s ago)' },
      ],
      [
        'test11: 1 init container completed with restarts and 1 container restarting',
        {
          metadata: { name: 'test11' },
          spec: { initContainers: make(1), containers: make(1) },
          status: {
            phase: 'Running',
            initContainerStatuses: [
              {
                ready: false,
                restartCount: 2,
                state: { terminated: {} },
                lastState: { terminated: { finishedAt: ago(2 * m) } },
              },
            ],
            containerStatuses: [
              {
                ready: false,
                restartCount: 4,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(20 * s) } },
              },
            ],
          },
        },
        { ready: '0/1', status: 'Running', restarts: '4 (20s ago)' },
      ],
      [
        'test12: 1 container that restarted 5d ago',
        {
          metadata: { name: 'test12' },
          spec: { containers: make(1) },
          status: {
            phase: 'Running',
            containerStatuses: [
              {
                ready: true,
                restartCount: 3,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(5 * d) } },
              },
            ],
          },
        },
        { ready: '1/1', status: 'Running', restarts: '3 (5d ago)' },
      ],
      [
        'test13: 2 containers, one never restarted and the other restarted 10d ago',
        {
          metadata: { name: 'test13' },
          spec: { containers: make(2) },
          status: {
            phase: 'Running',
            containerStatuses: [
              { ready: true, restartCount: 0, state: { running: {} } },
              {
                ready: true,
                restartCount: 3,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(10 * d) } },
              },
            ],
          },
        },
        { ready: '2/2', status: 'Running', restarts: '3 (10d ago)' },
      ],
      [
        'test14: 2 containers, one restarted 5d ago and the other 20d ago, shows the latest',
        {
          metadata: { name: 'test14' },
          spec: { containers: make(2) },
          status: {
            phase: 'Running',
            containerStatuses: [
              {
                ready: true,
                restartCount: 6,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(5 * d) } },
              },
              {
                ready: true,
                restartCount: 3,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(20 * d) } },
              },
            ],
          },
        },
        { ready: '2/2', status: 'Running', restarts: '9 (5d ago)' },
      ],
      [
        'test15: PodScheduled condition with reason SchedulingGated',
        {
          metadata: { name: 'test15' },
          spec: { containers: make(2) },
          status: {
            phase: 'podPhase',
            conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
          },
        },
        { ready: '0/2', status: 'SchedulingGated', restarts: '0' },
      ],
      [
        'test16: succeeded pod shows Completed',
        {
          metadata: { name: 'test16' },
          spec: { containers: make(1) },
          status: {
            phase: 'Succeeded',
            containerStatuses: [{ ready: false, state: { terminated: { reason: 'Completed', exitCode: 0 } } }],
          },
        },
        { ready: '0/1', status: 'Completed', restarts: '0' },
      ],
      [
        'test17: failed pod shows the container error',
        {
          metadata: { name: 'test17' },
          spec: { containers: make(1) },
          status: {
            phase: 'Failed',
            containerStatuses: [{ ready: false, state: { terminated: { reason: 'Error', exitCode: 1 } } }],
          },
        },
        { ready: '0/1', status: 'Error', restarts: '0' },
      ],
      [
        'test18: succeeded pod being deleted still shows Completed',
        {
          metadata: { name: 'test18', deletionTimestamp: deleteTime },
          spec: { containers: make(1) },
          status: {
            phase: 'Succeeded',
            containerStatuses: [{ ready: false, state: { terminated: { reason: 'Completed', exitCode: 0 } } }],
          },
        },
        { ready: '0/1', status: 'Completed', restarts: '0' },
      ],
      [
        'test19: running pod being deleted shows Terminating',
        {
          metadata: { name: 'test19', deletionTimestamp: deleteTime },
          spec: { containers: make(1) },
          status: {
            phase: 'Running',
            containerStatuses: [{ ready: false, state: { running: {} } }],
          },
        },
        { ready: '0/1', status: 'Terminating', restarts: '0' },
      ],
      [
        'test20: pending pod being deleted shows Terminating',
        {
          metadata: { name: 'test20', deletionTimestamp: deleteTime },
          spec: { containers: make(1) },
          status: { phase: 'Pending' },
        },
        { ready: '0/1', status: 'Terminating', restarts: '0' },
      ],
      [
        'test21: containers Error/Running show the error (kubernetes#107713)',
        {
          metadata: { name: 'test21' },
          spec: { containers: make(2) },
          status: {
            phase: 'Failed',
            containerStatuses: [
              {
                ready: false,
                state: { terminated: { finishedAt: now, exitCode: 1, reason: 'podCrash' } },
                lastState: {},
              },
              { ready: true, state: { running: { startedAt: now } }, lastState: {} },
            ],
          },
        },
        { ready: '1/2', status: 'podCrash', restarts: '0' },
      ],
      [
        'test22: containers Running/Error show the error (kubernetes#107713)',
        {
          metadata: { name: 'test22' },
          spec: { containers: make(2) },
          status: {
            phase: 'Failed',
            containerStatuses: [
              { ready: true, state: { running: { startedAt: now } }, lastState: {} },
              {
                ready: false,
                state: { terminated: { finishedAt: now, exitCode: 1, reason: 'podCrash' } },
                lastState: {},
              },
            ],
          },
        },
        { ready: '1/2', status: 'podCrash', restarts: '0' },
      ],
      [
        'test23: ready containers Running/Error/Completed show the error',
        {
          metadata: { name: 'test23' },
          spec: { containers: make(3) },
          status: {
            phase: 'Failed',
            containerStatuses: [
              { ready: true, state: { running: { startedAt: now } }, lastState: {} },
              {
                ready: true,
                state: { terminated: { finishedAt: now, exitCode: 1, reason: 'podCrash' } },
                lastState: {},
              },
              { ready: true, state: { terminated: { finishedAt: now, exitCode: 0 } }, lastState: {} },
            ],
          },
        },
        { ready: '1/3', status: 'podCrash', restarts: '0' },
      ],
      [
        'test24: not-ready containers Running/Error/Completed show the error',
        {
          metadata: { name: 'test24' },
          spec: { containers: make(3) },
          status: {
            phase: 'Failed',
            containerStatuses: [
              { ready: false, state: { running: { startedAt: now } }, lastState: {} },
              {
                ready: false,
                state: { terminated: { finishedAt: now, exitCode: 1, reason: 'podCrash' } },
                lastState: {},
              },
              { ready: false, state: { terminated: { finishedAt: now, exitCode: 0 } }, lastState: {} },
            ],
          },
        },
        { ready: '0/3', status: 'podCrash', restarts: '0' },
      ],
    ]);
  });

  describe('TestPrintPodWithRestartableInitContainer', () => {
    const sidecars = [
      { name: 'restartable-init-1', restartPolicy: always },
      { name: 'restartable-init-2', restartPolicy: always },
    ];
    run([
      [
        'test1: 2 restartable init containers, the first running but not started',
        {
          metadata: { name: 'test1' },
          spec: { initContainers: sidecars, containers: make(1) },
          status: {
            phase: 'Pending',
            initContainerStatuses: [
              {
                name: 'restartable-init-1',
                ready: false,
                restartCount: 3,
                state: { running: {} },
                started: false,
                lastState: { terminated: { finishedAt: ago(10 * s) } },
              },
              { name: 'restartable-init-2', ready: false, state: { waiting: {} }, started: false },
            ],
            containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
            conditions: [{ type: 'Initialized', status: 'False' }],
          },
        },
        { ready: '0/3', status: 'Init:0/2', restarts: '3 (10s ago)' },
      ],
      [
        'test1: 2 restartable init containers, the first started and the second running but not started',
        {
          metadata: { name: 'test1' },
          spec: { initContainers: sidecars, containers: make(1) },
          status: {
            phase: 'Pending',
            initContainerStatuses: [
              {
                name: 'restartable-init-1',
                ready: false,
                restartCount: 3,
                state: { running: {} },
                started: true,
                lastState: { terminated: { finishedAt: ago(10 * s) } },
              },
              { name: 'restartable-init-2', ready: false, state: { running: {} }, started: false },
            ],
            containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
            conditions: [{ type: 'Initialized', status: 'False' }],
          },
        },
        { ready: '0/3', status: 'Init:1/2', restarts: '3 (10s ago)' },
      ],
      [
        'test2: 2 restartable init containers started and 1 container running',
        {
          metadata: { name: 'test2' },
          spec: { initContainers: sidecars, containers: make(1) },
          status: {
            phase: 'Running',
            initContainerStatuses: [
              {
                name: 'restartable-init-1',
                ready: false,
                restartCount: 3,
                state: { running: {} },
                started: true,
                lastState: { terminated: { finishedAt: ago(10 * s) } },
              },
              { name: 'restartable-init-2', ready: false, state: { running: {} }, started: true },
            ],
            containerStatuses: [
              {
                ready: true,
                restartCount: 4,
                state: { running: {} },
                lastState: { terminated: { finishedAt: ago(20 * s) } },
              },
            ],
            conditions: [{ type: 'Initialized', status: 'True' }],
          },
        },
        { ready: '1/3', status: 'Running', restarts: '7 (10s ago)' },
      ],
      [
        'test3: 2 restartable init containers completed with non-zero and 1 container completed',
        {
          metadata: { name: 'test3' },
          spec: { initContainers: sidecars, containers: make(1) },
          status: {
            phase: 'Succeeded',
            initContainerStatuses: [
              {
                name: 'restartable-init-1',
                ready: false,
                restartCount: 3,
                state: { terminated: { reason: 'Error', exitCode: 137 } },
                started: false,
                lastState: { terminated: { finishedAt: ago(10 * s) } },
              },
              {
                name: 'restartable-init-2',
                ready: false,
                state: { terminated: { reason: 'Error', exitCode: 137 } },
                started: false,
              },
            ],
            containerStatuses: [
              {
                ready: false,
                restartCount: 4,
                state: { terminated: { reason: 'Completed', exitCode: 0 } },
                lastState: { terminated: { finishedAt: ago(20 * s) } },
              },
            ],
            conditions: [{ type: 'Initialized', status: 'True' }],
          },
        },
        { ready: '0/3', status: 'Completed', restarts: '7 (10s ago)' },
      ],
      [
        'test4: container statuses for non-existent init containers and containers',
        {
          metadata: { name: 'test4' },
          spec: {
            initContainers: [
              { name: 'init1', image: 'initimage' },
              { name: 'sidecar1', image: 'sidecarimage', restartPolicy: always },
            ],
            containers: [{ name: 'container1', image: 'containerimage' }],
          },
          status: {
            phase: 'Running',
            initContainerStatuses: [{ name: 'initinvalid' }, { name: 'init1' }, { name: 'sidecar1' }],
            containerStatuses: [{ name: 'containerinvalid' }, { name: 'container1' }],
          },
        },
        { ready: '0/2', status: 'Init:0/2', restarts: '0' },
      ],
    ]);
  });
});
