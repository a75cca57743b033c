import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { anApp, aPod, NOW, type AppBuilder } from '../../../fixtures';
import { cond, line, podWith, status } from './helpers';

describe('SidecarsReady', () => {
  it('keeps a crash-looping sidecar SidecarCrashLooping while it runs again, not ready', () => {
    const withLog = anApp().withSidecar('log');
    const pod = aPod(withLog).ready().build();
    const sidecar = pod.status!.initContainerStatuses![0];
    pod.status!.initContainerStatuses![0] = {
      ...sidecar,
      ready: false,
      restartCount: 2,
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
      state: { running: { startedAt: NOW } },
    };
    const s = status(withLog, [pod]);
    assert.deepEqual(
      [cond(s, 'Degraded').reason, cond(s, 'Degraded').message, cond(s, 'SidecarsReady').reason],
      ['SidecarCrashLooping', 'sidecar log keeps failing (exit code 137)', 'SidecarCrashLooping'],
    );
  });

  it('reads each Pod as it was rendered: Classic sidecars still count after Auto turned Native', () => {
    const classic = anApp().withSidecar('log').with({ sidecarMode: 'Classic' });
    const s = status(classic, [aPod(classic).ready().build()], { sidecarMode: 'Native' });
    assert.equal(s.sidecarsReady, '1/1');
    assert.equal(cond(s, 'SidecarsReady').status, 'True');
  });

  for (const optional of [false, true])
    it(`a${optional ? 'n optional' : ''} sidecar stopped with a Pod its step failed is not crash-looping: no ${optional ? 'Warning for it' : 'SidecarCrashLooping'}`, () => {
      const a = anApp()
        .withSidecar('proxy', { startBeforeInitSteps: true, optional })
        .withStep('migrate', { retries: 1 });
      const pod = aPod(a).stepFailed('migrate').build();
      const cs = pod.status!.initContainerStatuses!.find((c) => c.name === 'proxy')!;
      cs.state = { terminated: { exitCode: 143, reason: 'Error', startedAt: NOW, finishedAt: NOW } };
      cs.ready = false;
      const s = status(a, [pod]);
      assert.equal(cond(s, 'SidecarsReady').reason, 'SidecarsNotReady');
      assert.equal(
        cond(s, 'SidecarsReady').message,
        `0/1 sidecars ready; ${optional ? 'optional sidecar' : 'sidecar'} proxy was stopped with its Pod (Failed)`,
      );
      assert.equal(cond(s, 'Degraded').reason, 'InitStepFailed');
    });

  describe('optional sidecars: named in SidecarsReady, never the reason it is Degraded', () => {
    const optionalLog = anApp().withSidecar('log', { optional: true }).with({ progressDeadlineSeconds: 60 });
    const requiredLog = anApp().withSidecar('log').with({ progressDeadlineSeconds: 60 });

    const table: Array<[string, AppBuilder, V1Pod[], 'Native' | 'Classic', string[]]> = [
      [
        'an optional sidecar crash-looping: reported in SidecarsReady, not Degraded; Ready follows the Pod',
        optionalLog,
        [podWith(optionalLog, 'log', 'crashing')],
        'Native',
        [
          'Degraded=False/AsExpected: nothing is failing',
          'SidecarsReady=False/OptionalSidecarCrashLooping: 0/1 sidecars ready; optional sidecar log keeps failing (exit code 137)',
          'Ready=False/PodsNotReady: 0/1 Pods are ready; the least advanced is Running',
        ],
      ],
      [
        'the same in Classic mode',
        anApp().withSidecar('log', { optional: true }).with({ sidecarMode: 'Classic' }),
        [
          podWith(
            anApp().withSidecar('log', { optional: true }).with({ sidecarMode: 'Classic' }),
            'log',
            'crashing',
            'Classic',
          ),
        ],
        'Classic',
        [
          'Degraded=False/AsExpected: nothing is failing',
          'SidecarsReady=False/OptionalSidecarCrashLooping: 0/1 sidecars ready; optional sidecar log keeps failing (exit code 137)',
          'Ready=False/PodsNotReady: 0/1 Pods are ready; the least advanced is CrashLoopBackOff',
        ],
      ],
      [
        'a required sidecar crash-looping, for comparison',
        requiredLog,
        [podWith(requiredLog, 'log', 'crashing')],
        'Native',
        [
          'Degraded=True/SidecarCrashLooping: sidecar log keeps failing (exit code 137)',
          'SidecarsReady=False/SidecarCrashLooping: 0/1 sidecars ready; sidecar log keeps failing (exit code 137)',
          'Ready=False/PodsNotReady: 0/1 Pods are ready; the least advanced is Running',
        ],
      ],
    ];
    for (const [name, app, pods, sidecarMode, want] of table)
      it(name, () => {
        assert.deepEqual(line(status(app, pods, { sidecarMode }), 'Degraded', 'SidecarsReady', 'Ready'), want);
      });

    it('names a failing required sidecar before a failing optional one', () => {
      const both = anApp().withSidecar('log', { optional: true }).withSidecar('proxy');
      const pod = podWith(both, 'log', 'crashing');
      pod.status!.initContainerStatuses![1] = podWith(both, 'proxy', 'crashing').status!.initContainerStatuses![1];
      assert.deepEqual(line(status(both, [pod]), 'Degraded', 'SidecarsReady'), [
        'Degraded=True/SidecarCrashLooping: sidecar proxy keeps failing (exit code 137)',
        'SidecarsReady=False/SidecarCrashLooping: 0/2 sidecars ready; sidecar proxy keeps failing (exit code 137)',
      ]);
    });
  });
});
