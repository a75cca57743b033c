import { ConditionType } from '../../api/constants';
import type { AppStatus, Condition } from '../../api/status';
import { restartsOf } from '../pod-facts';
import { setCondition, type Verdict } from './conditions';
import { statusContext, type StatusInput } from './context';
import { degraded, exhausted, failingStep } from './degraded';
import { helperEntries, podEntries } from './entries';
import { initialized } from './initialized';
import { invalidSpecStatus } from './invalid-spec';
import { phase, podStatus } from './phase';
import { rollout } from './rollout';
import { sidecarsReady } from './sidecars-ready';

export type { StatusInput } from './context';

/**
 * deriveStatus computes the whole status from the spec and the observed Pods alone: the same
 * inputs always give the same status, so the reconciler can skip the write when it is unchanged.
 * Each condition is one function of the same context (context.ts). They are written in the order
 * they are set here, the order every stored status has: another would rewrite them all once.
 */
export function deriveStatus(input: StatusInput): AppStatus {
  if (!input.parsed.ok) return clean(invalidSpecStatus(input, input.parsed.errors));
  const ctx = statusContext(input, input.parsed.spec);
  const failing = failingStep(ctx);
  const trouble = degraded(ctx, failing);
  const isDegraded = trouble.status === 'True';
  const rolling = rollout(ctx, exhausted(failing), isDegraded ? trouble.message : undefined);
  const conditions: Condition[] = [];
  const set = (type: string, verdict: Verdict) => setCondition(conditions, type, verdict, input);
  set(ConditionType.Initialized, initialized(ctx));
  set(ConditionType.SidecarsReady, sidecarsReady(ctx));
  set(ConditionType.Degraded, trouble);
  set(ConditionType.Progressing, rolling.progressing);
  set(ConditionType.Ready, rolling.ready);
  set(ConditionType.Reconciling, rolling.reconciling);
  set(ConditionType.Stalled, rolling.stalled);
  return clean({
    observedGeneration: input.generation,
    phase: phase(ctx, isDegraded),
    podStatus: podStatus(ctx),
    replicas: ctx.views.length,
    readyReplicas: ctx.readyReplicas,
    updatedReplicas: ctx.updatedReplicas,
    ready: `${ctx.readyReplicas}/${ctx.wanted}`,
    initProgress: ctx.initProgress,
    sidecarsReady: ctx.sidecarsProgress,
    restarts: ctx.views.reduce((n, v) => n + restartsOf(v.pod), 0),
    ...helperEntries(ctx),
    pods: podEntries(
      ctx.views.map((v) => v.pod),
      input.now,
    ),
    lastProgressTime: rolling.lastProgressTime,
    conditions,
  });
}

/** clean drops undefined fields, so a status compares equal to the same status read back. */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
