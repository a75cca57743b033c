/** (c) Pods in any state: a valid spec, its Pods as the kubelet may report them, and the rest of the operator's inputs. */
import fc from 'fast-check';
import type { V1Pod } from '@kubernetes/client-node';
import { LABEL_TEMPLATE_HASH } from '../../src/api/constants';
import { parseSpec } from '../../src/api/validation/parse-spec';
import type { AppSpec } from '../../src/api/spec';
import { renderPod, renderPodTemplate, resolveSidecarMode, type RenderOptions } from '../../src/core/render';
import { NOW } from '../fixtures';
import { opt, rec, text, type C, type Json } from './common';
import { mutatedSpec } from './broken-spec';
import { appName, MAX_SIDECARS, MAX_STEPS, validSpec } from './valid-spec';

const time = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')),
  },
  {
    weight: 1,
    arbitrary: fc.date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2030-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('0001-01-01T00:00:00Z', 'not a time') },
);
const reason = (known: string[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: text(20) });
const logMessage = fc.oneof(
  text(60),
  fc.array(text(120), { maxLength: 8 }).map((lines) => lines.join('\n')),
  fc.constant(`${'x'.repeat(5000)}\nlast line`),
);
const terminated = rec(
  {
    exitCode: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(0, 1, 2, 3, 137, 143) },
      { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
    ),
    reason: reason(['Completed', 'Error', 'OOMKilled', 'ContainerCannotRun', 'DeadlineExceeded', 'StartError']),
    signal: fc.constantFrom(9, 15),
    message: logMessage,
    startedAt: time,
    finishedAt: time,
  },
  ['exitCode'],
);
const state = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      waiting: rec({
        reason: reason([
          'PodInitializing',
          'ContainerCreating',
          'CrashLoopBackOff',
          'ErrImagePull',
          'ImagePullBackOff',
          'CreateContainerConfigError',
        ]),
        message: logMessage,
      }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ running: rec({ startedAt: time }) }) },
  { weight: 3, arbitrary: fc.record({ terminated }) },
  { weight: 1, arbitrary: fc.constantFrom({}, null, undefined) },
);
/** What the kubelet reports for one container; `present: false` leaves it out of the list. */
const containerStatusDraft = rec(
  {
    present: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    state,
    lastState: fc.oneof(fc.record({ terminated }), fc.constant({})),
    restartCount: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1, 5) }, { weight: 1, arbitrary: fc.nat(1000) }),
    ready: fc.boolean(),
    started: fc.boolean(),
  },
  ['present', 'state'],
);
const podCondition = rec(
  {
    type: fc.constantFrom(
      'PodScheduled',
      'Initialized',
      'ContainersReady',
      'Ready',
      'PodReadyToStartContainers',
      'DisruptionTarget',
    ),
    status: fc.constantFrom('True', 'False', 'Unknown'),
    reason: fc.constantFrom('SchedulingGated', 'Unschedulable', 'PodCompleted', 'ContainersNotReady', 'PodFailed'),
  },
  ['type', 'status'],
);

const podDraft = fc.record({
  slot: fc.oneof({ weight: 4, arbitrary: fc.nat(3) }, { weight: 1, arbitrary: fc.constantFrom(7, -1) }),
  attempt: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(3) }),
  /** stale: rendered from an older template (another hash, maybe other containers). */
  stale: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  renamedContainers: fc.boolean(),
  slotAnnotation: fc.constantFrom('kept', 'kept', 'kept', 'missing', 'garbage'),
  deletionTimestamp: opt(time, 5),
  /** Failed attempts inherited from earlier Pods of the slot (issue 13), or a garbled annotation. */
  stepFailures: opt(fc.oneof(fc.nat(4), fc.constantFrom('garbage', 'x=', '=2,,a=-1')), 2),
  nodeName: opt(fc.constantFrom('kwok-node-0', 'kwok-node-1'), 1),
  phase: opt(fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'), 1),
  reason: opt(reason(['Evicted', 'NodeLost', 'UnexpectedAdmissionError', 'Shutdown']), 4),
  conditions: opt(fc.array(podCondition, { maxLength: 5 }), 1),
  init: fc.array(containerStatusDraft, { maxLength: MAX_STEPS + MAX_SIDECARS + 1 }),
  main: fc.array(containerStatusDraft, { maxLength: MAX_SIDECARS + 2 }),
  reversedMain: fc.boolean(),
  /** Broken shapes: no status at all, an empty or null one, null lists. */
  shape: fc.constantFrom(
    'normal',
    'normal',
    'normal',
    'normal',
    'normal',
    'normal',
    'no-status',
    'empty-status',
    'null-status',
    'null-lists',
  ),
});
type PodDraft = typeof podDraft extends fc.Arbitrary<infer T> ? T : never;

function podFromDraft(template: V1Pod, name: string, hash: string, d: PodDraft, i: number): V1Pod {
  const podHash = d.stale ? `0ld${hash.slice(3)}` : hash;
  // Copies of what changes; the rest stays shared with the template, as it is read only.
  const named = renderPod(template, name, podHash, d.slot, d.attempt);
  const pod = {
    ...named,
    metadata: {
      ...named.metadata,
      labels: { ...named.metadata!.labels },
      annotations: { ...named.metadata!.annotations },
    },
    spec: { ...named.spec },
  } as unknown as {
    metadata: Json & { labels: Json; annotations: Json };
    spec: Json & { containers: C[]; initContainers?: C[] };
    status?: unknown;
  };
  pod.metadata.uid = `pod-uid-${i}`;
  pod.metadata.labels[LABEL_TEMPLATE_HASH] = podHash;
  if (d.slotAnnotation === 'missing') delete pod.metadata.annotations['helpers.dev/slot'];
  if (d.slotAnnotation === 'garbage') pod.metadata.annotations['helpers.dev/slot'] = 'x1';
  if (d.deletionTimestamp !== undefined) pod.metadata.deletionTimestamp = d.deletionTimestamp;
  if (d.stepFailures !== undefined)
    pod.metadata.annotations['helpers.dev/step-failures'] =
      typeof d.stepFailures === 'number'
        ? `${pod.spec.initContainers?.[0]?.name ?? 'step'}=${d.stepFailures}`
        : d.stepFailures;
  if (d.nodeName) pod.spec.nodeName = d.nodeName;
  if (d.stale && d.renamedContainers) {
    pod.spec.initContainers = pod.spec.initContainers?.map((c, j) => ({ ...c, name: `old-init-${j}` }));
    pod.spec.containers = pod.spec.containers.map((c, j) => (j === 0 ? c : { ...c, name: `old-${j}` }));
  }
  const statuses = (drafts: typeof d.init, names: string[]) =>
    drafts.flatMap((s, j) => {
      if (!s.present) return [];
      const { present: _, ...rest } = s;
      return [{ name: names[j] ?? `ghost-${j}`, image: 'x', imageID: '', ...rest }];
    });
  const init = statuses(
    d.init,
    (pod.spec.initContainers ?? []).map((c) => c.name!),
  );
  const main = statuses(
    d.main,
    pod.spec.containers.map((c) => c.name!),
  );
  if (d.reversedMain) main.reverse();
  const status: Json = {
    ...(d.phase ? { phase: d.phase } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.conditions ? { conditions: d.conditions } : {}),
    ...(init.length ? { initContainerStatuses: init } : {}),
    ...(main.length ? { containerStatuses: main } : {}),
  };
  switch (d.shape) {
    case 'no-status':
      break;
    case 'empty-status':
      pod.status = {};
      break;
    case 'null-status':
      pod.status = null;
      break;
    case 'null-lists':
      pod.status = { ...status, conditions: null, initContainerStatuses: null, containerStatuses: null };
      break;
    default:
      pod.status = status;
  }
  return pod as unknown as V1Pod;
}

/** One AppWithHelpers and the world the operator sees: its Pods in any state, maybe a failed write. */
export interface World {
  name: string;
  /** The spec as stored (maybe invalid). */
  raw: unknown;
  /** The valid spec the Pods were rendered from. */
  spec: AppSpec;
  render: RenderOptions;
  sidecarMode: 'Native' | 'Classic';
  template: V1Pod;
  hash: string;
  pods: V1Pod[];
  generation?: number;
  failure?: { reason: string; message: string };
  now: Date;
}

/** (c) A valid spec, 0-5 of its Pods in random but plausible states, and the rest of the operator's inputs. */
export const world: fc.Arbitrary<World> = fc
  .record({
    name: appName,
    spec: validSpec,
    /** Sometimes the stored spec has since become invalid: Pods stay, the status says why. */
    broken: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: mutatedSpec }),
    serverMinor: opt(fc.integer({ min: 25, max: 36 }), 5),
    pods: fc.array(podDraft, { maxLength: 5 }),
    generation: opt(fc.integer({ min: 1, max: 1000 }), 5),
    failure: opt(
      fc.record({
        reason: fc.constantFrom('FailedCreate', 'FailedDelete'),
        message: text(80).map((t) => `could not create Pods: ${t}`),
      }),
      5,
    ),
    nowOffsetMs: fc.integer({ min: -3_600_000, max: 30 * 86_400_000 }),
  })
  .map((w) => {
    const parsed = parseSpec(w.spec);
    if (!parsed.ok) throw new Error(`validSpec made an invalid spec: ${parsed.errors.join('; ')}`);
    const render: RenderOptions = {
      helperImage: 'busybox:1.36',
      ...(w.serverMinor === undefined ? {} : { serverVersion: { major: 1, minor: w.serverMinor } }),
    };
    const { pod: template, hash } = renderPodTemplate(
      { name: w.name, namespace: 'ns', uid: 'uid-1' },
      parsed.spec,
      render,
    );
    return {
      name: w.name,
      raw: w.broken === undefined ? w.spec : w.broken,
      spec: parsed.spec,
      render,
      sidecarMode: resolveSidecarMode(parsed.spec, render),
      template,
      hash,
      // Names are unique in a namespace: a Pod whose name another already has is not there.
      pods: w.pods
        .map((d, i) => podFromDraft(template, w.name, hash, d, i))
        .filter((p, i, all) => all.findIndex((q) => q.metadata!.name === p.metadata!.name) === i),
      generation: w.generation,
      failure: w.failure,
      now: new Date(NOW.getTime() + w.nowOffsetMs),
    };
  });
