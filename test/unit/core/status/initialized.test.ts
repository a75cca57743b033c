import { strict as assert } from 'node:assert';
import { anApp, aPod } from '../../../fixtures';
import { cond, gate, line, status, summary } from './helpers';

describe('Initialized', () => {
  const app = anApp()
    .withStep('config-initializer')
    .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
    .withSidecar('monitor');

  it('says which step runs, in a sentence', () => {
    const s = status(app, [aPod(app).initDone(1).build()]);
    assert.deepEqual(cond(s, 'Initialized'), {
      type: 'Initialized',
      status: 'False',
      reason: 'InitStepRunning',
      message: 'step 2/2 wait-for-db running',
      lastTransitionTime: '2026-11-25T12:00:00Z',
      observedGeneration: 2,
    });
    assert.deepEqual(
      s.initSteps!.map((st) => `${st.name}:${st.state}`),
      ['config-initializer:Succeeded', 'wait-for-db:Running'],
    );
  });

  it('reports the least advanced Pod and how many Pods are there', () => {
    const three = anApp()
      .withStep('config-initializer')
      .withWait('wait-for-db', { tcp: { host: 'db', port: 5432 } })
      .withSidecar('monitor')
      .with({ replicas: 3 });
    const s = status(three, [
      aPod(three, 0).ready().build(),
      aPod(three, 1).initDone(1).build(),
      aPod(three, 2).initDone(1).build(),
    ]);
    assert.equal(summary(s), 'Initializing Init:1/3 1/3 1/2 0/1');
    assert.equal(cond(s, 'Initialized').message, 'step 2/2 wait-for-db running (2 of 3 Pods)');
    assert.deepEqual(
      s.pods!.map((p) => `${p.name} ${p.status} ${p.ready}`),
      [
        `shop-${three.template().hash.slice(0, 5)}-0 Running 2/2`,
        `shop-${three.template().hash.slice(0, 5)}-1 Init:1/3 0/2`,
        `shop-${three.template().hash.slice(0, 5)}-2 Init:1/3 0/2`,
      ],
    );
  });

  it('says what a step waits for behind a waitUntilReady sidecar', () => {
    const app = anApp()
      .withStep('migrate')
      .withSidecar('proxy', { ...gate, startBeforeInitSteps: true });
    const pod = aPod(app).initDone(0).build(); // proxy running, not ready; migrate waiting
    assert.deepEqual(line(status(app, [pod]), 'Initialized', 'SidecarsReady'), [
      'Initialized=False/InitStepWaiting: step 1/1 migrate waits for sidecar proxy to be ready (waitUntilReady)',
      'SidecarsReady=False/SidecarsNotReady: 0/1 sidecars ready; sidecar proxy is running but not ready; the containers after it wait until it is ready (waitUntilReady)',
    ]);
  });
});
