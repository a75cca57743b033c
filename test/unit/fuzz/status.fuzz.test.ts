import { strict as assert } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { V1Pod } from '@kubernetes/client-node';
import { parseSpec } from '../../../src/api/validation/parse-spec';
import { statusSchema, type AppStatus } from '../../../src/api/status';
import { isPodReady, isTerminating, restartsOf, slimPod, toIso } from '../../../src/core/pod-facts';
import { renderPodTemplate, resolveSidecarMode } from '../../../src/core/render';
import { deriveStatus, type StatusInput } from '../../../src/core/status';
import { printPod } from '../../../src/core/print-pod';
import { fuzzParams, world } from '../../arbitraries';

const CONDITIONS = ['Initialized', 'SidecarsReady', 'Degraded', 'Progressing', 'Ready', 'Reconciling', 'Stalled'];
/** What moves when the progress deadline passes; nothing else depends on the clock. */
const DEADLINE_CONDITIONS = ['Progressing', 'Reconciling', 'Stalled'];
const fraction = (s: string | undefined) => {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? '');
  assert.ok(m, `not "a/b": ${s}`);
  return [Number(m[1]), Number(m[2])];
};

describe('fuzz: status', () => {
  it('derives a storable, consistent status from any Pods, the same every time, and prints each Pod as kubectl does', function () {
    this.timeout(180_000); // four derivations per world; a busy 2-core machine runs others' tests too
    let podStates = 0;
    fc.assert(
      fc.property(world, (w) => {
        podStates += w.pods.length;
        w.pods.forEach((pod) => assertPrinted(pod, w.now));

        // What reconcile does: parse the stored spec, render, derive.
        const parsed = parseSpec(w.raw);
        const template = parsed.ok
          ? renderPodTemplate({ name: w.name, namespace: 'ns', uid: 'uid-1' }, parsed.spec, w.render)
          : undefined;
        const input: StatusInput = {
          generation: w.generation,
          parsed,
          pods: w.pods,
          hash: template?.hash,
          sidecarMode: parsed.ok ? resolveSidecarMode(parsed.spec, w.render) : undefined,
          failure: w.failure,
          now: w.now,
        };
        const status = deriveStatus(input);

        assert.deepEqual(
          JSON.parse(JSON.stringify(status)),
          status,
          'plain JSON, so it compares equal to itself read back',
        );
        const stored = statusSchema.safeParse(status);
        assert.ok(
          stored.success,
          `the status subresource would refuse it: ${stored.success ? '' : stored.error.message}`,
        );
        const deadline = parsed.ok ? parsed.spec.progressDeadlineSeconds : 600;
        const soon = new Date(w.now.getTime() + (deadline - 1) * 1000);
        assert.deepEqual(
          deriveStatus({ ...input, previous: status, now: soon }),
          status,
          'the same world gives the same status, until the progress deadline too: nothing to write',
        );
        const later = deriveStatus({ ...input, previous: status, now: new Date(w.now.getTime() + 3_600_000) });
        const apart = (st: AppStatus) => ({
          ...st,
          conditions: st.conditions?.filter((c) => !DEADLINE_CONDITIONS.includes(c.type)),
        });
        assert.deepEqual(
          apart(later),
          apart(status),
          'past the deadline only Progressing, Reconciling and Stalled move',
        );
        if (!isDeepStrictEqual(later, status))
          assert.deepEqual(
            deriveStatus({ ...input, previous: later, now: new Date(w.now.getTime() + 7_200_000) }),
            later,
            'stalled, it stays as it is: nothing to write on every pass',
          );
        for (const st of [status, later])
          assert.ok(
            !(cond(st, 'Reconciling').status === 'True' && cond(st, 'Stalled').status === 'True'),
            'Reconciling and Stalled both True',
          );
        assert.deepEqual(
          deriveStatus({ ...input, pods: w.pods.map(slimPod) }),
          status,
          'the slim cached Pods tell the same story',
        );
        const live = w.pods.filter((p) => !isTerminating(p));
        assert.equal(status.replicas, live.length);
        assert.equal(
          status.restarts,
          live.reduce((n, p) => n + restartsOf(p), 0),
        );
        assert.ok(status.readyReplicas! >= 0 && status.readyReplicas! <= live.filter(isPodReady).length);
        const [ready, wanted] = fraction(status.ready);
        assert.equal(ready, status.readyReplicas);
        assert.deepEqual(
          (status.pods ?? []).map((p) => p.name),
          live.map((p) => p.metadata?.name ?? '').sort((a, b) => a.localeCompare(b)),
        );
        for (const entry of status.pods ?? []) {
          const printed = printPod(
            live.find((p) => p.metadata!.name === entry.name)!,
            w.now,
          );
          assert.deepEqual([entry.status, entry.ready], [printed.status, printed.ready]);
        }
        assertConditions(
          status,
          w.generation,
          w.now,
          parsed.ok ? CONDITIONS : ['Degraded', 'Ready', 'Progressing', 'Reconciling', 'Stalled'],
        );

        if (!parsed.ok) {
          assert.deepEqual([status.phase, status.podStatus], ['Degraded', 'InvalidSpec']);
          assert.match(cond(status, 'Degraded').message, /^the spec is invalid, so Pods are left as they are: spec/);
          return;
        }
        const spec = parsed.spec;
        const steps = spec.initSteps?.length ?? 0;
        const sidecars = spec.sidecars?.length ?? 0;
        assert.equal(wanted, spec.replicas);
        assert.ok(status.updatedReplicas! <= live.length);
        const [done, allSteps] = fraction(status.initProgress);
        assert.ok(done <= allSteps && allSteps === steps, `initProgress ${status.initProgress} of ${steps} steps`);
        const [readySidecars, allSidecars] = fraction(status.sidecarsReady);
        assert.ok(
          readySidecars <= allSidecars && allSidecars === sidecars,
          `sidecarsReady ${status.sidecarsReady} of ${sidecars}`,
        );
        assert.deepEqual(
          status.initSteps?.map((s) => s.name),
          steps ? spec.initSteps!.map((s) => s.name) : undefined,
        );
        assert.deepEqual(
          status.sidecars?.map((s) => s.name),
          sidecars ? spec.sidecars!.map((s) => s.name) : undefined,
        );
        assert.equal(status.app?.name, spec.app.name);
        assert.ok(
          live.length
            ? live.some((p) => printPod(p, w.now).status === status.podStatus)
            : status.podStatus === (spec.replicas ? 'Pending' : 'ScaledToZero'),
          `podStatus ${status.podStatus} is what kubectl prints for none of the Pods`,
        );

        const degraded = cond(status, 'Degraded').status === 'True';
        if (w.failure)
          assert.deepEqual(
            [cond(status, 'Degraded').reason, cond(status, 'Degraded').message],
            [w.failure.reason, w.failure.message],
          );
        if (degraded)
          assert.ok(
            status.phase === 'Degraded' || status.phase === 'Failed',
            `phase ${status.phase} with Degraded True`,
          );
        if (status.phase === 'Degraded') assert.ok(degraded);
        // An optional sidecar is named in SidecarsReady, never as the reason the app is Degraded or Stalled.
        for (const o of (spec.sidecars ?? []).filter((c) => c.optional))
          for (const type of ['Degraded', 'Stalled'])
            assert.doesNotMatch(cond(status, type).message, new RegExp(`\\bsidecar ${o.name} (keeps|exited|is)`), type);
        if (status.phase === 'Running') assert.ok(spec.replicas === 0 || status.readyReplicas! >= spec.replicas);
        if (cond(status, 'Ready').status === 'True') {
          assert.ok(
            spec.replicas === 0 || (status.readyReplicas! >= spec.replicas && status.updatedReplicas! >= spec.replicas),
          );
          // The rollout is complete: no Pod of another template is live.
          assert.ok(spec.replicas === 0 || status.updatedReplicas === status.replicas, 'Ready with an old Pod live');
          assert.equal(cond(status, 'Stalled').status, 'False');
        }
        if (!steps)
          assert.deepEqual(
            [cond(status, 'Initialized').status, cond(status, 'Initialized').reason],
            ['True', 'NoInitSteps'],
          );
        if (!sidecars)
          assert.deepEqual(
            [cond(status, 'SidecarsReady').status, cond(status, 'SidecarsReady').reason],
            ['True', 'NoSidecars'],
          );
      }),
      fuzzParams(5_000),
    );
    if (!process.env.FUZZ_RUNS) assert.ok(podStates >= 10_000, `only ${podStates} Pod states tried`);
  });
});

/** assertPrinted: READY counts the containers kubectl counts, RESTARTS is a count, and the slim cached Pod prints the same. */
function assertPrinted(pod: V1Pod, now: Date) {
  const printed = printPod(pod, now);
  assert.deepEqual(printPod(slimPod(pod), now), printed);
  assert.equal(typeof printed.status, 'string');
  assert.match(printed.restarts, /^\d+( \((\d+[smhdy])+ ago\)| \(<invalid> ago\))?$/);
  const [ready, total] = fraction(printed.ready);
  const restartable = (pod.spec?.initContainers ?? []).filter(
    (c) => (c as { restartPolicy?: string }).restartPolicy === 'Always',
  ).length;
  assert.equal(total, (pod.spec?.containers.length ?? 0) + restartable);
  // The kubelet reports only containers the Pod has; for those, READY is at most all of them.
  const known = new Set([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name));
  const reported = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  if (reported.every((c) => known.has(c.name))) assert.ok(ready <= total, `READY ${printed.ready}`);
}

function cond(s: AppStatus, type: string) {
  const c = s.conditions?.find((x) => x.type === type);
  assert.ok(c, `no ${type} condition`);
  return c;
}

function assertConditions(s: AppStatus, generation: number | undefined, now: Date, types: string[]) {
  assert.deepEqual(s.conditions!.map((c) => c.type).sort(), [...types].sort(), 'each condition exactly once');
  for (const c of s.conditions!) {
    assert.ok(c.status === 'True' || c.status === 'False', `${c.type} ${c.status}`);
    assert.match(c.reason, /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, `${c.type}: a reason metav1.Condition takes`);
    assert.ok(c.message.length > 0, `${c.type} says nothing`);
    assert.equal(c.observedGeneration, generation);
    assert.equal(c.lastTransitionTime, toIso(now));
  }
}
