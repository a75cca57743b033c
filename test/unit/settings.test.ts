import { strict as assert } from 'node:assert';
import { parseSettings } from '../../src/settings';

describe('parseSettings', () => {
  it('has the defaults of Kubernetes controllers', () => {
    const { identity, ...rest } = parseSettings([], {});
    assert.deepEqual(rest, {
      namespaces: [],
      helperImage: 'busybox:1.36',
      concurrency: 4,
      qps: 20,
      burst: 30,
      logLevel: 'info',
      probePort: 8080,
      leaderElect: false,
      leaseNamespace: 'default',
      leaseName: 'appwithhelpers-operator',
    });
    assert.match(identity, /-\d+$/, 'host name and pid, unique per process');
  });
  it('takes the Lease namespace and identity from the Downward API variables', () => {
    const s = parseSettings(['--leader-elect=true'], { POD_NAMESPACE: 'ops', POD_NAME: 'op-1' });
    assert.deepEqual([s.leaderElect, s.leaseNamespace, s.identity], [true, 'ops', 'op-1']);
  });
  it('reads a bare boolean flag as true, as Go flags do, without taking the next argument', () => {
    const s = parseSettings(['--leader-elect', '--lease-namespace=ops'], {});
    assert.deepEqual([s.leaderElect, s.leaseNamespace], [true, 'ops']);
    assert.equal(parseSettings(['--leader-elect=false'], { LEADER_ELECT: 'true' }).leaderElect, false);
    assert.equal(parseSettings(['--lease-name', 'xxleader-elect'], {}).leaseName, 'xxleader-elect');
  });
  it('reads flags over the environment', () => {
    const s = parseSettings(['--qps=50', '--namespaces', 'a, b'], { KUBE_API_QPS: '10', CONCURRENCY: '8' });
    assert.deepEqual([s.qps, s.concurrency, s.namespaces], [50, 8, ['a', 'b']]);
  });
  const bad: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--concurrency=0'], {}, /invalid setting --concurrency \(CONCURRENCY="0"\): Too small/],
    [[], { LOG_LEVEL: 'loud' }, /invalid setting --log-level \(LOG_LEVEL="loud"\): Invalid option/],
    [['--qps=fast'], {}, /invalid setting --qps \(KUBE_API_QPS="fast"\)/],
    [['--color'], {}, /unknown flag --color; known flags: --namespaces/],
    [['--burst'], {}, /flag --burst needs a value$/],
    [['eu-west'], {}, /unexpected argument eu-west: every setting is a --flag=value/],
    [['--leader-elect=maybe'], {}, /invalid setting --leader-elect \(LEADER_ELECT="maybe"\)/],
  ];
  for (const [argv, env, message] of bad)
    it(`refuses ${argv.join(' ') || JSON.stringify(env)} in one line`, () =>
      assert.throws(() => parseSettings(argv, env), message));
});
