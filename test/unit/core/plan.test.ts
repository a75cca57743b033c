import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { planPods, type Action } from '../../../src/core/plan';
import { anApp, aPod, type AppBuilder } from '../../fixtures';

function plan(app: AppBuilder, pods: V1Pod[]): string[] {
  const { pod, hash } = app.template();
  return planPods({ appName: 'shop', spec: app.parsed(), pods, template: pod, hash }).map(show);
}
const show = (a: Action) =>
  a.kind === 'create' ? `create ${a.pod.metadata!.name} (${a.reason})` : `delete ${a.name} (${a.reason})`;

describe('planPods', () => {
  const app = anApp().withStep('migrate');
  const h = app.template().hash.slice(0, 5);
  const newer = anApp().withStep('migrate', { args: ['--v2'] });
  const h2 = newer.template().hash.slice(0, 5);
  const old = (slot: number) => aPod(app, slot).ready().build();

  const cases: Array<[string, AppBuilder, V1Pod[], string[]]> = [
    ['creates a Pod per missing slot', app.with({ replicas: 1 }), [], [`create shop-${h}-0 (Missing)`]],
    ['does nothing when every slot has a current Pod', app, [aPod(app).ready().build()], []],
    [
      'replaces a failed Pod under the next free name',
      app,
      [aPod(app).failed().build()],
      [`delete shop-${h}-0 (PodFailed)`, `create shop-${h}-0-1 (Replacement)`],
    ],
    [
      'replaces a terminating Pod at once, not after its grace period',
      app,
      [aPod(app).terminating().build()],
      [`create shop-${h}-0-1 (Missing)`],
    ],
    [
      'deletes Pods beyond the replica count',
      app,
      [aPod(app).ready().build(), aPod(app, 1).ready().build()],
      [`delete shop-${h}-1 (Surplus)`],
    ],
    ['rolls: first a new Pod beside the old one', newer, [old(0)], [`create shop-${h2}-0 (Surge)`]],
    ['rolls: keeps the old Pod while the new one is not Ready', newer, [old(0), aPod(newer).initDone(0).build()], []],
    [
      'rolls: deletes the old Pod once the new one is Ready',
      newer,
      [old(0), aPod(newer).ready().build()],
      [`delete shop-${h}-0 (Stale)`],
    ],
  ];
  for (const [name, a, pods, want] of cases) {
    it(name, () => assert.deepEqual(plan(a, pods), want));
  }

  it('rolls one Pod at a time with several replicas (maxSurge 1, maxUnavailable 0)', () => {
    const three = anApp()
      .withStep('migrate', { args: ['--v2'] })
      .with({ replicas: 3 });
    const base = anApp().withStep('migrate').with({ replicas: 3 });
    assert.deepEqual(
      plan(
        three,
        [0, 1, 2].map((s) => aPod(base, s).ready().build()),
      ),
      [`create shop-${h2}-0 (Surge)`],
    );
  });

  it('Recreate: deletes every stale Pod first, creates only when they are gone', () => {
    const recreate = anApp()
      .withStep('migrate', { args: ['--v2'] })
      .with({ updateStrategy: { type: 'Recreate' } });
    assert.deepEqual(plan(recreate, [old(0)]), [`delete shop-${h}-0 (Stale)`]);
    assert.deepEqual(
      plan(recreate, [aPod(app).ready().terminating().build()]),
      [],
      'not while an old Pod is still terminating',
    );
    assert.deepEqual(plan(recreate, []), [`create shop-${h2}-0 (Missing)`]);
  });

  it("leaves the names of an earlier AppWithHelpers' Pods (being garbage-collected) and takes the next free one", () => {
    const { pod, hash } = app.template();
    const actions = planPods({
      appName: 'shop',
      spec: app.parsed(),
      pods: [],
      template: pod,
      hash,
      takenNames: [`shop-${h}-0`],
    }).map(show);
    assert.deepEqual(actions, [`create shop-${h}-0-1 (Missing)`]);
  });

  it('scales to zero', () => {
    assert.deepEqual(plan(anApp().withStep('migrate').with({ replicas: 0 }), [old(0)]), [
      `delete shop-${h}-0 (Surplus)`,
    ]);
  });
});
