import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import { planPods, type Action } from '../../../src/core/plan';
import { anApp, aPod, NOW, type AppBuilder } from '../../fixtures';

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

  describe('init step attempts: timeoutSeconds and retries (an attempt is a Pod)', () => {
    const withBudget = (extra: Record<string, unknown>) => anApp().withStep('migrate', extra);
    const attempts = (a: AppBuilder, pods: V1Pod[]) => {
      const { pod, hash } = a.template();
      return planPods({ appName: 'shop', spec: a.parsed(), pods, template: pod, hash, now: NOW }).map(
        (x) =>
          show(x) +
          (x.kind === 'create' && x.pod.metadata!.annotations!['helpers.dev/step-failures']
            ? ` [${x.pod.metadata!.annotations!['helpers.dev/step-failures']}]`
            : ''),
      );
    };
    const retries2 = withBudget({ retries: 2 });
    const r2 = retries2.template().hash.slice(0, 5);
    const timeout30 = withBudget({ timeoutSeconds: 30 });
    const t30 = timeout30.template().hash.slice(0, 5);
    const both = withBudget({ timeoutSeconds: 30, retries: 1 });
    const b = both.template().hash.slice(0, 5);
    const table: Array<[string, AppBuilder, V1Pod[], string[]]> = [
      [
        'replaces a Pod whose step failed, counting the failure on the replacement',
        retries2,
        [aPod(retries2).stepFailed('migrate').build()],
        [`delete shop-${r2}-0 (PodFailed)`, `create shop-${r2}-0-1 (Replacement) [migrate=1]`],
      ],
      [
        'counts on from the failures the failed Pod inherited',
        retries2,
        [aPod(retries2).stepFailed('migrate').withStepFailures('migrate=1').build()],
        [`delete shop-${r2}-0 (PodFailed)`, `create shop-${r2}-0-1 (Replacement) [migrate=2]`],
      ],
      [
        'counts a failed Pod already on its way out when its replacement is still missing (its create failed)',
        retries2,
        [aPod(retries2).stepFailed('migrate').withStepFailures('migrate=1').terminating().build()],
        [`create shop-${r2}-0-1 (Missing) [migrate=2]`],
      ],
      [
        'counts a timed-out Pod on its way out likewise',
        both,
        [aPod(both).stepRunningFor('migrate', 31).terminating().build()],
        [`create shop-${b}-0-1 (Missing) [migrate=1]`],
      ],
      [
        'keeps the last failing Pod and makes no other once the retries are used up',
        retries2,
        [aPod(retries2).stepFailed('migrate').withStepFailures('migrate=2').build()],
        [],
      ],
      [
        'retries 0: the first failure is the last',
        withBudget({ retries: 0 }),
        [
          aPod(withBudget({ retries: 0 }))
            .stepFailed('migrate')
            .build(),
        ],
        [],
      ],
      [
        'replaces a Pod whose step ran past timeoutSeconds',
        timeout30,
        [aPod(timeout30).stepRunningFor('migrate', 30).build()],
        [`delete shop-${t30}-0 (StepTimedOut)`, `create shop-${t30}-0-1 (Replacement) [migrate=1]`],
      ],
      [
        'leaves a step within its timeoutSeconds alone',
        timeout30,
        [aPod(timeout30).stepRunningFor('migrate', 29).build()],
        [],
      ],
      [
        'keeps the last attempt when it times out with no retry left (for kubectl logs)',
        both,
        [aPod(both).stepRunningFor('migrate', 31).withStepFailures('migrate=1').build()],
        [],
      ],
      [
        'a timeout uses up a retry too',
        both,
        [aPod(both).stepRunningFor('migrate', 31).build()],
        [`delete shop-${b}-0 (StepTimedOut)`, `create shop-${b}-0-1 (Replacement) [migrate=1]`],
      ],
      [
        'a new template starts over: its first Pod inherits nothing from an exhausted old one',
        withBudget({ retries: 2, args: ['--v2'] }),
        [aPod(retries2).stepFailed('migrate').withStepFailures('migrate=2').build()],
        [
          `delete shop-${r2}-0 (PodFailed)`,
          `create shop-${withBudget({ retries: 2, args: ['--v2'] })
            .template()
            .hash.slice(0, 5)}-0 (Replacement)`,
        ],
      ],
    ];
    for (const [name, a, pods, want] of table) it(name, () => assert.deepEqual(attempts(a, pods), want));

    it('keeps the old ready Pod serving while the new template is out of retries', () => {
      const next = withBudget({ retries: 0, args: ['--v2'] });
      const n = next.template().hash.slice(0, 5);
      const oldReady = aPod(withBudget({ retries: 0 }))
        .ready()
        .build();
      const exhausted = aPod(next).stepFailed('migrate').named(`shop-${n}-0`).build();
      assert.deepEqual(attempts(next, [oldReady, exhausted]), []);
    });

    it('without now (or a budget) a failed Pod is replaced as before, and inherits nothing', () => {
      assert.deepEqual(plan(retries2, [aPod(retries2).stepFailed('migrate').build()]), [
        `delete shop-${r2}-0 (PodFailed)`,
        `create shop-${r2}-0-1 (Replacement)`,
      ]);
    });
  });
});
