/**
 * checkChain runs what the reconciler runs for an accepted spec (render the template, name a Pod
 * per slot, plan from no Pods, derive a status, print a Pod) and asserts what API.md promises of
 * the result. Shared by the fuzz tests of valid and of mutated specs.
 */
import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node';
import {
  ANNOTATION_OPTIONAL_SIDECARS,
  ANNOTATION_SIDECARS,
  ANNOTATION_SLOT,
  LABEL_APP,
  LABEL_MANAGED_BY,
  LABEL_TEMPLATE_HASH,
  MANAGER,
} from '../../../src/api/constants';
import type { AppSpec } from '../../../src/api/spec';
import { planPods } from '../../../src/core/plan';
import {
  podName,
  renderPod,
  renderPodTemplate,
  resolveSidecarMode,
  STARTUP_NEVER_GIVES_UP,
  type RenderOptions,
} from '../../../src/core/render';
import { deriveStatus } from '../../../src/core/status';
import { WAIT_SCRIPT, waitEnv } from '../../../src/core/wait-script';
import { printPod } from '../../../src/core/print-pod';
import { NOW } from '../../fixtures';
import { podProblems } from './pod-rules';

type C = Record<string, unknown> & {
  name: string;
  image?: string;
  command?: string[];
  env?: unknown[];
  restartPolicy?: string;
  terminationMessagePolicy?: string;
  resources?: unknown;
  securityContext?: unknown;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
};

/** deepFreeze makes any mutation of an input throw (the core promises never to mutate one). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** reversedKeys writes the same JSON with every object's keys in reverse order. */
export function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  return value;
}

const OURS = ['containers', 'initContainers', 'ephemeralContainers', 'volumes'];

export function checkChain(appName: string, spec: AppSpec, render: RenderOptions): { template: V1Pod; hash: string } {
  deepFreeze(spec);
  const owner = { name: appName, namespace: 'ns', uid: 'uid-1' };
  const mode = resolveSidecarMode(spec, render);
  const { pod: template, hash } = renderPodTemplate(owner, spec, render);
  deepFreeze(template);
  assert.match(hash, /^[0-9a-f]{10}$/);

  const podSpec = template.spec as unknown as {
    initContainers?: C[];
    containers: C[];
    volumes?: Array<{ name: string }>;
  } & Record<string, unknown>;
  const steps = spec.initSteps ?? [];
  const sidecars = spec.sidecars ?? [];
  const n = (c: { name: string }) => c.name;
  const wantInit =
    mode === 'Native'
      ? [
          ...sidecars.filter((s) => s.startBeforeInitSteps).map(n),
          ...steps.map(n),
          ...sidecars.filter((s) => !s.startBeforeInitSteps).map(n),
        ]
      : steps.map(n);
  assert.deepEqual(
    podSpec.initContainers?.map(n),
    wantInit.length ? wantInit : undefined,
    'init containers: startBeforeInitSteps sidecars, the steps in order, then the other native sidecars',
  );
  assert.deepEqual(
    podSpec.containers.map(n),
    mode === 'Native' ? [spec.app.name] : [spec.app.name, ...sidecars.map(n)],
    'containers: the app, then Classic sidecars',
  );

  const byName = new Map([...(podSpec.initContainers ?? []), ...podSpec.containers].map((c) => [c.name, c]));
  const shared = spec.sharedVolumes ?? [];
  const defaults = spec.helperDefaults ?? {};
  for (const c of byName.values()) {
    for (const v of shared)
      assert.ok(
        c.volumeMounts?.some((m) => m.name === v.name),
        `${c.name} mounts sharedVolume ${v.name}`,
      );
  }
  for (const s of steps) {
    const c = byName.get(s.name)!;
    assert.ok(!('waitFor' in c), `step ${s.name}: waitFor is ours, not a Container field`);
    assert.equal(c.terminationMessagePolicy, s.terminationMessagePolicy ?? 'FallbackToLogsOnError');
    assert.ok(
      !('timeoutSeconds' in c) && !('retries' in c),
      `step ${s.name}: its policies are ours, not Container fields`,
    );
    // With a retry budget a failure fails the Pod (an attempt is a Pod); without one the kubelet restarts it in place.
    assert.equal(c.restartPolicy, s.retries === undefined ? undefined : 'Never', `step ${s.name} runs to completion`);
    assert.deepEqual(c.resources, s.resources ?? defaults.resources);
    assert.deepEqual(c.securityContext, s.securityContext ?? defaults.securityContext);
    if (s.waitFor) {
      assert.deepEqual(c.command, ['sh', '-c', WAIT_SCRIPT]);
      assert.equal(c.image, s.image ?? render.helperImage);
      assert.deepEqual(
        c.env!.slice(-waitEnv(s.waitFor).length),
        waitEnv(s.waitFor),
        'the target reaches the script as environment variables',
      );
    } else {
      assert.deepEqual([c.image, c.command], [s.image, s.command]);
    }
  }
  for (const s of sidecars) {
    const c = byName.get(s.name)!;
    for (const ours of ['startBeforeInitSteps', 'waitUntilReady', 'optional'])
      assert.ok(!(ours in c), `sidecar ${s.name}: ${ours} is ours, not a Container field`);
    // waitUntilReady: the readiness check as a startupProbe that never gives up, in Native mode only.
    const {
      successThreshold: _s,
      failureThreshold: _f,
      ...check
    } = (s.readinessProbe ?? {}) as Record<string, unknown>;
    assert.deepEqual(
      (c as { startupProbe?: unknown }).startupProbe,
      s.waitUntilReady && mode === 'Native' ? { ...check, failureThreshold: STARTUP_NEVER_GIVES_UP } : s.startupProbe,
      `sidecar ${s.name}: startupProbe`,
    );
    assert.equal(c.restartPolicy, mode === 'Native' ? 'Always' : undefined);
    assert.deepEqual(
      [c.image, c.resources, c.securityContext],
      [s.image, s.resources ?? defaults.resources, s.securityContext ?? defaults.securityContext],
    );
  }
  const app = byName.get(spec.app.name)!;
  assert.deepEqual(
    [app.image, app.resources, app.securityContext],
    [spec.app.image, spec.app.resources, spec.app.securityContext],
    'helperDefaults never reach the app',
  );

  assert.deepEqual(
    podSpec.volumes,
    [...(spec.volumes ?? []), ...shared.map((v) => ({ name: v.name, emptyDir: {} }))].length
      ? [...(spec.volumes ?? []), ...shared.map((v) => ({ name: v.name, emptyDir: {} }))]
      : undefined,
  );
  for (const [k, v] of Object.entries(spec.podTemplate?.spec ?? {}))
    if (!OURS.includes(k)) assert.deepEqual(podSpec[k], v, `podTemplate.spec.${k} reaches the Pod`);
  assert.equal((podSpec as { ephemeralContainers?: unknown }).ephemeralContainers, undefined);

  const labels = template.metadata!.labels!;
  assert.deepEqual(
    [labels[LABEL_MANAGED_BY], labels[LABEL_APP], labels[LABEL_TEMPLATE_HASH]],
    [MANAGER, appName, hash],
  );
  assert.equal(
    template.metadata!.annotations?.[ANNOTATION_SIDECARS],
    sidecars.length ? sidecars.map(n).join(',') : spec.podTemplate?.metadata?.annotations?.[ANNOTATION_SIDECARS],
  );
  if (sidecars.some((s) => s.optional))
    assert.equal(
      template.metadata!.annotations?.[ANNOTATION_OPTIONAL_SIDECARS],
      sidecars
        .filter((s) => s.optional)
        .map(n)
        .join(','),
    );
  assert.deepEqual(
    template.metadata!.ownerReferences!.map((r) => [r.uid, r.controller]),
    [['uid-1', true]],
  );

  // One Pod per slot, named <app>-<hash>-<slot>, each one a Pod the API server takes.
  const planned = planPods({ appName, spec, pods: [], template, hash });
  assert.deepEqual(
    planned.map((a) => (a.kind === 'create' ? `${a.reason} ${a.pod.metadata!.name}` : a.kind)),
    Array.from({ length: spec.replicas }, (_, slot) => `Missing ${podName(appName, hash, slot)}`),
  );
  const pod = renderPod(template, appName, hash, 0);
  assert.equal(pod.metadata!.annotations![ANNOTATION_SLOT], '0');
  assert.deepEqual(podProblems(pod), [], 'the rendered Pod breaks a rule of the API server');
  for (const a of planned) if (a.kind === 'create') assert.deepEqual(podProblems(a.pod), []);

  // A Pod just created, before the kubelet reports anything.
  const restartable = (podSpec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').length;
  assert.deepEqual(printPod(pod, NOW), {
    ready: `0/${podSpec.containers.length + restartable}`,
    status: '',
    restarts: '0',
  });
  const status = deriveStatus({
    generation: 1,
    parsed: { ok: true, spec },
    pods: [],
    hash,
    sidecarMode: mode,
    now: NOW,
  });
  assert.deepEqual(
    [status.phase, status.podStatus, status.ready, status.initProgress, status.sidecarsReady],
    [
      // waitUntilReady that sidecarMode Auto cannot honour (Classic: an old or unknown server) needs a person.
      mode === 'Classic' && spec.sidecarMode === 'Auto' && sidecars.some((s) => s.waitUntilReady)
        ? 'Degraded'
        : spec.replicas
          ? 'Pending'
          : 'Running',
      spec.replicas ? 'Pending' : 'ScaledToZero',
      `0/${spec.replicas}`,
      `0/${steps.length}`,
      `0/${sidecars.length}`,
    ],
  );
  return { template, hash };
}
