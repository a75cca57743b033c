import { ConditionType, Reason } from '../../api/constants';
import type { AppStatus, Condition } from '../../api/status';
import { isPodReady, isTerminating, restartsOf } from '../pod-facts';
import { setCondition } from './conditions';
import type { StatusInput } from './context';
import { podEntries } from './entries';

/**
 * invalidSpecStatus: with an invalid spec Pods already running stay; the status says why nothing
 * changes and keeps counting them. kstatus (Helm 4 --wait, Flux) reads it as Failed: retrying
 * cannot help until the spec changes.
 */
export function invalidSpecStatus(input: StatusInput, errors: string[]): AppStatus {
  const live = input.pods.filter((p) => !isTerminating(p));
  const message = `the spec is invalid, so Pods are left as they are: ${errors.join('; ')}`;
  const conditions: Condition[] = [];
  const set = (type: string, status: Condition['status']) =>
    setCondition(conditions, type, { status, reason: Reason.InvalidSpec, message }, input);
  set(ConditionType.Degraded, 'True');
  set(ConditionType.Ready, 'False');
  set(ConditionType.Progressing, 'False');
  set(ConditionType.Reconciling, 'False');
  set(ConditionType.Stalled, 'True');
  const readyReplicas = live.filter(isPodReady).length;
  return {
    observedGeneration: input.generation,
    phase: 'Degraded',
    podStatus: 'InvalidSpec',
    replicas: live.length,
    readyReplicas,
    ready: `${readyReplicas}/${input.previous?.ready?.split('/')[1] ?? live.length}`,
    restarts: live.reduce((n, p) => n + restartsOf(p), 0),
    pods: podEntries(live, input.now),
    lastProgressTime: input.previous?.lastProgressTime,
    conditions,
  };
}
