import type { AppStatus, Condition } from '../../api/status';
import { toIso } from '../pod-facts';

/** What a condition function decides: the rest (type, time, generation) is setCondition's. */
export interface Verdict {
  status: Condition['status'];
  reason: string;
  message: string;
}

export function verdict(status: Condition['status'], reason: string, message: string): Verdict {
  return { status, reason, message };
}

/**
 * setCondition sets the condition of `type` in `conditions`, in place of one of that type already
 * there, else at the end: the order they are set in is the order they are written in. Its
 * lastTransitionTime is now, unless the status written before had it with the same status: then
 * it keeps that one, so a condition that only changed its reason or message did not transition.
 */
export function setCondition(
  conditions: Condition[],
  type: string,
  { status, reason, message }: Verdict,
  pass: { now: Date; generation?: number; previous?: AppStatus },
): void {
  const before = pass.previous?.conditions?.find((c) => c.type === type);
  const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : toIso(pass.now)!;
  const condition = { type, status, reason, message, lastTransitionTime, observedGeneration: pass.generation };
  const at = conditions.findIndex((c) => c.type === type);
  if (at >= 0) conditions[at] = condition;
  else conditions.push(condition);
}
