import { strict as assert } from 'node:assert';
import { eventually } from '../integration/operator-harness';
import { anApp, apply, statusOf } from './apps';
import { realHarness, realNamespace as ns } from './hooks';
import { PodLife, runStarts } from './pod-watch';

/** The failing step's Pod life, for the comparison with the realistic stages. */
export let failingStepLife: PodLife | undefined;

describe('failures on a real node', () => {
  it('a step exiting 3: Init:Error, then Init:CrashLoopBackOff with growing back-off, exit code and last log lines in the status', async () => {
    const { cluster } = realHarness();
    const life = new PodLife(cluster, ns, 'exits-three');
    await apply(
      anApp('exits-three', {
        initSteps: [
          {
            name: 'migrate',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'echo "migrating"; echo "error: table users is missing"; exit 3'],
          },
        ],
      }),
    );
    // The kubelet restarts it after 10 s, then 20 s, then 40 s: three restarts take ~70 s.
    await life.until((l) => Number(l.restarts) >= 3, 240_000).finally(() => life.stop());
    assert.ok(life.statuses.includes('Init:Error'), `saw ${life.statuses.join(' → ')}`);
    assert.ok(life.statuses.includes('Init:CrashLoopBackOff'), `saw ${life.statuses.join(' → ')}`);
    await life.assertAwhShowedServerRows();
    failingStepLife = life;

    const runs = runStarts(life, 'migrate');
    const gaps = runs.slice(1).map((t, i) => (t - runs[i]) / 1000);
    console.log(`      runs of the failing step began ${gaps.map((g) => `+${g}s`).join(', ')} apart`);
    // As a kubelet does: the first failure is restarted at once, then after 10 s, then 20 s (give
    // or take its sync period, on a busy machine).
    assert.ok(
      gaps[0] < 8 && gaps[1] >= 9 && gaps[2] >= 18,
      `not the kubelet's back-off: runs ${gaps.join(', ')}s apart`,
    );

    const status = await statusOf('exits-three');
    const step = status.initSteps?.[0];
    assert.equal(step?.exitCode, 3, JSON.stringify(step));
    assert.match(step?.message ?? '', /error: table users is missing/);
  });

  it("the guide's combined example as the guide writes it: nginx's own reason in Degraded, app.lastFailure and describe", async () => {
    // The guide's init step writes a greeting where nginx reads configuration: nginx refuses it.
    const { cluster } = realHarness();
    const mount = (mountPath: string) => [{ name: 'shared-data', mountPath }];
    await apply(
      anApp('guide-combined', {
        volumes: [{ name: 'shared-data', emptyDir: {} }],
        initSteps: [
          {
            name: 'config-initializer',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'echo "Hello from config-initializer!" > /config/app.conf; echo "Config created."'],
            volumeMounts: mount('/config'),
          },
        ],
        app: {
          name: 'myapp-container',
          image: 'nginx:1.25.3',
          volumeMounts: mount('/etc/nginx/conf.d/'),
          lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', 'cat /etc/nginx/conf.d/app.conf'] } } },
        },
      }),
    );
    // nginx names the file it refuses (Debian's 1.22: "unexpected end of file, expecting ;").
    const refused = /\[emerg\].*\/etc\/nginx\/conf\.d\/app\.conf/;
    try {
      await eventually(
        "Degraded AppCrashLooping with nginx's own line",
        async () => {
          const d = (await statusOf('guide-combined')).conditions?.find((c) => c.type === 'Degraded');
          return d?.reason === 'AppCrashLooping' && refused.test(d.message);
        },
        120_000,
      );
      const { app, conditions } = await statusOf('guide-combined');
      const degraded = conditions?.find((c) => c.type === 'Degraded');
      console.log(`      Degraded ${degraded?.reason}: ${degraded?.message}`);
      assert.match(app?.lastFailure?.message ?? '', refused, JSON.stringify(app));
      assert.equal(app?.lastFailure?.exitCode, 1, JSON.stringify(app));
      const described = await cluster.kubectl(['describe', 'awh', '-n', ns, 'guide-combined']);
      assert.match(described, /Last Failure:[\s\S]*\[emerg\].*app\.conf/);
    } finally {
      await cluster.kubectl(['delete', 'awh', '-n', ns, 'guide-combined', '--wait=false']);
    }
  });

  it('a sidecar killed through the runtime is restarted and counted, and the status recovers', async () => {
    const { cluster, node } = realHarness();
    const life = new PodLife(cluster, ns, 'killed-sidecar');
    await apply(
      anApp('killed-sidecar', {
        sidecars: [
          { name: 'ticker', image: 'busybox:1.36', command: ['sh', '-c', 'while true; do echo tick; sleep 2; done'] },
        ],
      }),
    );
    try {
      const { pod } = await life.until((l) => l.status === 'Running' && l.ready === '2/2', 120_000);
      const sidecar = pod.status!.initContainerStatuses!.find((c) => c.name === 'ticker')!;
      await node.ctr(['tasks', 'kill', '-s', 'KILL', sidecar.containerID!.replace('containerd://', '')]);
      await life.until((l) => l.status === 'Running' && l.ready === '2/2' && l.restarts === '1', 120_000);
    } finally {
      life.stop();
    }
    console.log(`      the server printed ${life.statuses.join(' → ')}`);
    await life.assertAwhShowedServerRows();
    await eventually(
      'the AppWithHelpers to count the restart and be Running again',
      async () => {
        const s = await statusOf('killed-sidecar');
        return (
          s.podStatus === 'Running' && s.restarts === 1 && s.sidecars?.[0]?.restartCount === 1 && s.sidecars[0].ready
        );
      },
      30_000,
    );
  });
});
