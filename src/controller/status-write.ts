import { isDeepStrictEqual } from 'node:util';
import { ConditionType, Reason } from '../api/constants';
import type { AppStatus } from '../api/status';
import { failuresChanged } from '../core/last-failure';

/**
 * While Pods are still starting their status changes every few hundred milliseconds; writing each
 * change would cost the API server a write per kubelet step. Such in-flux statuses are written at
 * most this often. The first change after a settled status (a Pod no longer Ready, say), Ready,
 * failures and invalid specs are written at once.
 */
export const STATUS_HOLD_MS = 250;

/**
 * How often in-flux statuses are written while the operator is busy (its rate limit spent, or many
 * more keys waiting than its workers take: busy.ts): each would then delay a Pod create or a Ready
 * status, and under a burst most Pods are Ready within this time, so their in-between status is
 * never written at all.
 */
export const BUSY_STATUS_HOLD_MS = 2000;

/** What a pass knows when it has derived a status. */
export interface StatusWriteInput {
  /** The status derived in this pass. */
  status: AppStatus;
  /** The status last written (this process's own write, or the cache's). */
  stored: AppStatus | undefined;
  /** This process's own Pod creates or deletes are not in the cache yet. */
  cacheBehind: boolean;
  /** This pass created or deleted Pods. */
  podsWritten: boolean;
  /** A Pod write of this pass failed. */
  failed: boolean;
  /** When this key's in-flux status was first held back, if it is. */
  heldSince: number | undefined;
  /** The operator is busy: its rate limit spent or many keys waiting (busy.ts). */
  busy: boolean;
  now: number;
}

/** Write now; skip (a later pass writes what is news by then); or hold, held since `since`, for `ms` more. */
export type StatusWrite =
  | { kind: 'write' }
  | { kind: 'skip'; why: 'unchanged' | 'cacheBehind' | 'podsWritten' }
  | { kind: 'hold'; since: number; ms: number };

/**
 * noStatusYet: kstatus (Helm 4 --wait, Flux) reads an object without a status as Current, so its
 * first is written at once.
 */
export function noStatusYet(stored: AppStatus | undefined): boolean {
  return !stored?.conditions?.length;
}

/** statusWriteDecision says whether a derived status is written now, later, or not at all. */
export function statusWriteDecision(i: StatusWriteInput): StatusWrite {
  if (isDeepStrictEqual(i.status, i.stored ?? {})) return { kind: 'skip', why: 'unchanged' };
  if (noStatusYet(i.stored)) return { kind: 'write' };
  // While its own creates or deletes are not in the cache yet, the cache shows a moment that never
  // was (a failed Pod gone, its replacement not there): a status from it would flicker, e.g. a
  // failing step read as "nothing is failing" between two attempts. The Pods' events bring the key
  // back once the cache has caught up.
  if (i.cacheBehind) return { kind: 'skip', why: 'cacheBehind' };
  // Pods were just created or deleted: their events bring this key back with a newer picture. A
  // failure is written now, though: the Pods that show it may be gone by then.
  if (i.podsWritten && !i.failed && !failuresChanged(i.stored, i.status)) return { kind: 'skip', why: 'podsWritten' };
  const since = i.heldSince ?? i.now;
  const until = since + (i.busy ? BUSY_STATUS_HOLD_MS : STATUS_HOLD_MS);
  if (inFlux(i.status) && inFlux(i.stored!) && until > i.now) return { kind: 'hold', since, ms: until - i.now };
  return { kind: 'write' };
}

/**
 * inFlux: Pods are still on their way and nothing is wrong, so the next change is near (a rollout
 * past its progress deadline is Stalled: nothing more will come, and a person should hear). A failing
 * optional sidecar is something wrong too, though not Degraded: its Warning goes with its status,
 * written at once, or the next pass would see the transition again and warn twice.
 */
function inFlux(status: AppStatus): boolean {
  return (
    (status.phase === 'Pending' || status.phase === 'Initializing') &&
    !status.conditions?.some(
      (c) =>
        (c.type === ConditionType.Degraded && c.status === 'True') ||
        (c.type === ConditionType.Stalled && c.status === 'True') ||
        (c.type === ConditionType.SidecarsReady && c.reason === Reason.OptionalSidecarCrashLooping),
    )
  );
}
