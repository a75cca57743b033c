import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { realNodePlacement } from '../../hack/cluster/node/placement';
import { realHarness, realNamespace as ns } from './hooks';
import { PodLife, PodLook } from './pod-watch';

const examples = path.join(__dirname, '../../examples');
const allReady = (l: PodLook) => l.status === 'Running' && /^(\d+)\/\1$/.test(l.ready);

/** One AppWithHelpers as JSON under another name, on the real node or left to the KWOK node. */
function variant(spec: Record<string, unknown>, name: string, where: 'real' | 'kwok', annotations = {}): string {
  const podTemplate = (spec.podTemplate ?? {}) as { metadata?: object; spec?: object };
  return JSON.stringify({
    apiVersion: 'helpers.dev/v1alpha1',
    kind: 'AppWithHelpers',
    metadata: { name, namespace: ns },
    spec: {
      ...spec,
      podTemplate: {
        metadata: { annotations },
        spec: { ...podTemplate.spec, terminationGracePeriodSeconds: 1, ...(where === 'real' ? realNodePlacement : {}) },
      },
    },
  });
}

/** Runs the same AppWithHelpers on both nodes at once; returns the STATUS sequences the server printed. */
async function bothLives(
  name: string,
  spec: Record<string, unknown>,
  kwokAnnotations: Record<string, string>,
  done: (l: PodLook) => boolean,
): Promise<{ real: string[]; kwok: string[] }> {
  const { cluster } = realHarness();
  const lives = { real: new PodLife(cluster, ns, `${name}-real`), kwok: new PodLife(cluster, ns, `${name}-kwok`) };
  // Each life is cut where done() first held: the faster one keeps going while the other catches up.
  const upToDone = (life: PodLife) => life.until(done, 240_000).then(() => [...life.statuses]);
  try {
    await cluster.kubectl(
      ['apply', '-f', '-'],
      [variant(spec, `${name}-real`, 'real'), variant(spec, `${name}-kwok`, 'kwok', kwokAnnotations)].join('\n---\n'),
    );
    const [real, kwok] = await Promise.all([upToDone(lives.real), upToDone(lives.kwok)]);
    return { real, kwok };
  } finally {
    lives.real.stop();
    lives.kwok.stop();
  }
}

describe('the realistic KWOK stages against the real node: the STATUS sequence of one Pod life', () => {
  const table: string[] = [];
  after(() => console.log(table.map((l) => `    ${l}`).join('\n')));

  for (const file of ['init-step.yaml', 'sidecar.yaml', 'combined.yaml']) {
    it(`${file}: the same sequence to Running`, async () => {
      const spec = parseAllDocuments(readFileSync(path.join(examples, file), 'utf8'))[0].toJS().spec;
      const name = `cmp-${file.replace('.yaml', '')}`;
      const seen = await bothLives(name, spec, {}, allReady);
      table.push(`${file}\n      real node: ${seen.real.join(' → ')}\n      realistic: ${seen.kwok.join(' → ')}`);
      assert.deepEqual(seen.kwok, seen.real);
    });
  }

  it('a step exiting 3: the same sequence through three restarts', async () => {
    const spec = {
      initSteps: [{ name: 'migrate', image: 'busybox:1.36', command: ['sh', '-c', 'echo failing; exit 3'] }],
      app: { name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'] },
    };
    // The stages' back-off is scaled down by the step delay (300ms: 3 s, 6 s); the kubelet's is 10 s, 20 s.
    const kwok = {
      'kwok.helpers.dev/fail': 'migrate',
      'kwok.helpers.dev/exit-code': '3',
      'kwok.helpers.dev/step-delay': '300ms',
    };
    const seen = await bothLives('cmp-failing', spec, kwok, (l) => Number(l.restarts) >= 3);
    table.push(
      `a step exiting 3\n      real node: ${seen.real.join(' → ')}\n      realistic: ${seen.kwok.join(' → ')}`,
    );
    assert.deepEqual(seen.kwok, seen.real);
  });
});
