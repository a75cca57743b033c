import type { AppStatus } from '../../src/api/status';
import { realNodePlacement } from '../../hack/cluster/node/placement';
import { jsonpath } from '../integration/operator-harness';
import { realHarness, realNamespace as ns } from './hooks';

/** anApp is an AppWithHelpers on the real node: a busybox app that sleeps, plus whatever the test adds. */
export function anApp(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'helpers.dev/v1alpha1',
    kind: 'AppWithHelpers',
    metadata: { name, namespace: ns },
    spec: {
      app: { name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'echo app started; exec sleep 3600'] },
      ...spec,
      // A podTemplate the test gives keeps its metadata (annotations such as helpers.dev/restartedAt).
      podTemplate: {
        ...(spec.podTemplate as object | undefined),
        spec: { terminationGracePeriodSeconds: 1, ...realNodePlacement },
      },
    },
  });
}

export async function apply(manifest: string): Promise<void> {
  await realHarness().cluster.kubectl(['apply', '-f', '-'], manifest);
}

/** The AppWithHelpers' status, parsed. */
export async function statusOf(name: string): Promise<AppStatus> {
  return JSON.parse((await jsonpath(realHarness().cluster, ns, `awh/${name}`, '{.status}')) || '{}');
}

/** The names of the Pods an AppWithHelpers owns. */
export async function podsOf(app: string): Promise<string[]> {
  const out = await realHarness().cluster.kubectl([
    'get',
    'pods',
    '-n',
    ns,
    '-l',
    `helpers.dev/app=${app}`,
    '-o',
    'name',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace('pod/', ''));
}
