import type { V1Pod } from '@kubernetes/client-node';
import type { AppSpec } from '../api/schema';
import { isFinished, isPodReady, isTerminating, slotOf, templateHashOf } from './pod-facts';
import { podName, renderPod } from './render';

export type Action =
  | { kind: 'create'; pod: V1Pod; reason: 'Missing' | 'Replacement' | 'Surge' }
  | { kind: 'delete'; name: string; reason: 'PodFailed' | 'PodSucceeded' | 'Stale' | 'Surplus' };

export interface PlanInput {
  appName: string;
  spec: AppSpec;
  /** Pods this AppWithHelpers controls, as observed (terminating ones included). */
  pods: V1Pod[];
  template: V1Pod;
  hash: string;
  /** Names held by Pods it does not control (an earlier AppWithHelpers of the same name). */
  takenNames?: string[];
}

/**
 * planPods decides what to change, from observed state only, as data: every slot 0..replicas-1
 * gets one Pod with the current template. Finished Pods are replaced; stale ones roll per
 * updateStrategy (RollingUpdate: one new Pod at a time, the old one goes once the new is Ready).
 */
export function planPods({ appName, spec, pods, template, hash, takenNames = [] }: PlanInput): Action[] {
  const actions: Action[] = [];
  const live = pods.filter((p) => !isTerminating(p));
  // A name stays taken until its Pod is gone (a terminating one may take its grace period, or
  // forever on a lost node): the replacement takes the next free name instead of waiting.
  const taken = new Set([...pods.map((p) => p.metadata!.name!), ...takenNames]);
  for (const p of live.filter(isFinished)) {
    actions.push({
      kind: 'delete',
      name: p.metadata!.name!,
      reason: p.status?.phase === 'Failed' ? 'PodFailed' : 'PodSucceeded',
    });
  }
  const active = live.filter((p) => !isFinished(p));
  const current = new Map<number, V1Pod>();
  const stale = new Map<number, V1Pod[]>();
  for (const p of active) {
    const slot = slotOf(p);
    if (slot < 0 || slot >= spec.replicas) {
      actions.push({ kind: 'delete', name: p.metadata!.name!, reason: 'Surplus' });
    } else if (templateHashOf(p) === hash && !current.has(slot)) {
      current.set(slot, p);
    } else if (templateHashOf(p) === hash) {
      actions.push({ kind: 'delete', name: p.metadata!.name!, reason: 'Surplus' });
    } else {
      stale.set(slot, [...(stale.get(slot) ?? []), p]);
    }
  }
  const create = (slot: number, reason: 'Missing' | 'Replacement' | 'Surge') => {
    let attempt = 0;
    while (taken.has(podName(appName, hash, slot, attempt))) attempt++;
    const pod = renderPod(template, appName, hash, slot, attempt);
    taken.add(pod.metadata!.name!);
    actions.push({ kind: 'create', pod, reason });
  };
  const replaced = new Set(live.filter(isFinished).map(slotOf));
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
