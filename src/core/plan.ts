import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_STEP_FAILURES } from '../api/constants';
import type { AppSpec } from '../api/spec';
import { isFinished, isPodReady, isTerminating, slotOf, templateHashOf } from './pod-facts';
import { podName, renderPod } from './render';
import { attemptEnd, failuresAfter, formatStepFailures, type StepFailures } from './step-attempts';

export type Action =
  | { kind: 'create'; pod: V1Pod; reason: 'Missing' | 'Replacement' | 'Surge' }
  | { kind: 'delete'; name: string; reason: 'PodFailed' | 'PodSucceeded' | 'Stale' | 'Surplus' | 'StepTimedOut' };

export interface PlanInput {
  appName: string;
  spec: AppSpec;
  /** Pods this AppWithHelpers controls, as observed (terminating ones included). */
  pods: V1Pod[];
  template: V1Pod;
  hash: string;
  /** Names held by Pods it does not control (an earlier AppWithHelpers of the same name). */
  takenNames?: string[];
  /** For init steps' timeoutSeconds; without it no step times out. */
  now?: Date;
}

/**
 * planPods decides what to change, from observed state only, as data: every slot 0..replicas-1
 * gets one Pod with the current template. Finished Pods are replaced; stale ones roll per
 * updateStrategy (RollingUpdate: one new Pod at a time, the old one goes once the new is Ready).
 */
export function planPods(input: PlanInput): Action[] {
  const { appName, spec, pods, template, hash, takenNames = [] } = input;
  const live = pods.filter((p) => !isTerminating(p));
  const { deletes, replaced, active, inherited } = endRuns(input, live);
  const { current, stale, surplus } = bySlot(active, spec.replicas, hash);
  const actions: Action[] = [...deletes, ...surplus];
  // A name stays taken until its Pod is gone (a terminating one may take its grace period, or
  // forever on a lost node): the replacement takes the next free name instead of waiting.
  const taken = new Set([...pods.map((p) => p.metadata!.name!), ...takenNames]);
  const create = (slot: number, reason: 'Missing' | 'Replacement' | 'Surge') => {
    let attempt = 0;
    while (taken.has(podName(appName, hash, slot, attempt))) attempt++;
    const pod = withStepFailures(renderPod(template, appName, hash, slot, attempt), inherited.get(slot));
    taken.add(pod.metadata!.name!);
    actions.push({ kind: 'create', pod, reason });
  };
  const recreate = spec.updateStrategy?.type === 'Recreate';
  const anyStale = stale.size > 0 || pods.some((p) => isTerminating(p) && templateHashOf(p) !== hash);

  let surging = 0;
  for (let slot = 0; slot < spec.replicas; slot++) {
    const cur = current.get(slot);
    const old = stale.get(slot) ?? [];
    if (old.length && (recreate || (cur && isPodReady(cur)))) {
      old.forEach((p) => actions.push({ kind: 'delete', name: p.metadata!.name!, reason: 'Stale' }));
    } else if (old.length && cur) {
      surging++;
    }
    if (!cur && !old.length && !(recreate && anyStale)) create(slot, replaced.has(slot) ? 'Replacement' : 'Missing');
  }
  if (!recreate) {
    // maxSurge 1, maxUnavailable 0: at most one new Pod beside an old one at a time.
    for (let slot = 0; slot < spec.replicas && surging < 1; slot++) {
      if (!current.has(slot) && stale.has(slot)) {
        create(slot, 'Surge');
        surging++;
      }
    }
  }
  return actions;
}

/** What endRuns found: the Pods whose run is over and the ones that stay. */
interface EndedRuns {
  /** Deletes for the finished Pods and those whose step timed out, in that order. */
  deletes: Action[];
  /** The slots of those Pods: their new Pods are Replacements. */
  replaced: Set<number>;
  /** The live Pods that stay, kept ones included. */
  active: V1Pod[];
  /** The failed step attempts each slot's next Pod inherits. */
  inherited: Map<number, StepFailures>;
}

/**
 * endRuns deletes the live Pods whose run is over: finished ones, and those whose init step timed
 * out. Init steps' attempts (step-attempts.ts): a Pod whose step failed or timed out is replaced and
 * its replacement inherits the failed attempts; once a step's retries are used up, its last Pod
 * stays, so `kubectl logs` can read it, and nothing replaces it until the template changes.
 */
function endRuns({ spec, pods, hash, now }: PlanInput, live: V1Pod[]): EndedRuns {
  const ended = (p: V1Pod) => (now && templateHashOf(p) === hash ? attemptEnd(p, spec, now) : undefined);
  const kept = new Set(live.filter((p) => ended(p)?.exhausted));
  const inherited = new Map<number, StepFailures>();
  const replacing = (p: V1Pod) => {
    if (templateHashOf(p) !== hash) return;
    const failures = failuresAfter(p, ended(p));
    const before = inherited.get(slotOf(p)) ?? {};
    for (const [name, n] of Object.entries(failures)) before[name] = Math.max(n, before[name] ?? 0);
    inherited.set(slotOf(p), before);
  };
  const deletes: Action[] = [];
  const finished = live.filter((p) => isFinished(p) && !kept.has(p));
  for (const p of finished) {
    replacing(p);
    deletes.push({
      kind: 'delete',
      name: p.metadata!.name!,
      reason: p.status?.phase === 'Failed' ? 'PodFailed' : 'PodSucceeded',
    });
  }
  const timedOut = live.filter((p) => !isFinished(p) && !kept.has(p) && ended(p)?.kind === 'TimedOut');
  for (const p of timedOut) {
    replacing(p);
    deletes.push({ kind: 'delete', name: p.metadata!.name!, reason: 'StepTimedOut' });
  }
  // A Pod deleted for its attempt may be gone before its replacement exists (the create failed, say:
  // the deletes go first): while it is terminating it still counts, or the budget would start over.
  for (const p of pods.filter(isTerminating)) replacing(p);
  const active = live.filter((p) => (!isFinished(p) || kept.has(p)) && !timedOut.includes(p));
  return { deletes, replaced: new Set([...finished, ...timedOut].map(slotOf)), active, inherited };
}

/**
 * bySlot sorts the Pods that stay by slot: the first with the current template is the slot's
 * Pod, the ones with an older template are stale, and the rest (a second current one, a slot
 * beyond replicas) are surplus, to delete.
 */
function bySlot(
  active: V1Pod[],
  replicas: number,
  hash: string,
): { current: Map<number, V1Pod>; stale: Map<number, V1Pod[]>; surplus: Action[] } {
  const current = new Map<number, V1Pod>();
  const stale = new Map<number, V1Pod[]>();
  const surplus: Action[] = [];
  for (const p of active) {
    const slot = slotOf(p);
    if (slot < 0 || slot >= replicas) {
      surplus.push({ kind: 'delete', name: p.metadata!.name!, reason: 'Surplus' });
    } else if (templateHashOf(p) === hash && !current.has(slot)) {
      current.set(slot, p);
    } else if (templateHashOf(p) === hash) {
      surplus.push({ kind: 'delete', name: p.metadata!.name!, reason: 'Surplus' });
    } else {
      stale.set(slot, [...(stale.get(slot) ?? []), p]);
    }
  }
  return { current, stale, surplus };
}

/** withStepFailures marks a replacement with the failed attempts it inherits (none: the Pod as rendered). */
function withStepFailures(pod: V1Pod, failures: StepFailures | undefined): V1Pod {
  const value = formatStepFailures(failures ?? {});
  if (!value) return pod;
  return {
    ...pod,
    metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, [ANNOTATION_STEP_FAILURES]: value } },
  };
}
