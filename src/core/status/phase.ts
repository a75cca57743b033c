import type { AppStatus } from '../../api/status';
import { isInitialized } from '../pod-facts';
import type { StatusContext } from './context';

/**
 * phase: the one word `kubectl get` shows. A Pod failed with none ready is Failed; anything
 * Degraded says is Degraded; then it follows the Pods: Running once enough are ready,
 * Initializing while the least advanced, on a node, runs its init steps, else Pending.
 */
export function phase(ctx: StatusContext, degraded: boolean): AppStatus['phase'] {
  const { views, wanted, least } = ctx;
  if (views.some((v) => v.pod.status?.phase === 'Failed') && !views.some((v) => v.ready)) return 'Failed';
  if (degraded) return 'Degraded';
  if (wanted > 0 && ctx.readyReplicas >= wanted) return 'Running';
  if (least && !isInitialized(least.pod) && ctx.stepCount > 0 && least.pod.spec?.nodeName) return 'Initializing';
  return wanted === 0 ? 'Running' : 'Pending';
}

/** podStatus: the least advanced Pod's STATUS as kubectl prints it, or what stands for it without one. */
export function podStatus(ctx: StatusContext): string {
  return ctx.least ? ctx.least.printed.status : ctx.wanted === 0 ? 'ScaledToZero' : 'Pending';
}
