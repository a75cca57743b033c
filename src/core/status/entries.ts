import type { V1Pod } from '@kubernetes/client-node';
import type { AppStatus, HelperStatus } from '../../api/status';
import { printPod } from '../print-pod';
import { restartsOf } from '../pod-facts';
import { withLastFailure, type StatusContext } from './context';

/**
 * helperEntries: the least advanced Pod's init steps, sidecars and app. Without a Pod each is
 * Waiting, with the failure remembered from earlier Pods.
 */
export function helperEntries(ctx: StatusContext): Pick<AppStatus, 'initSteps' | 'sidecars' | 'app'> {
  const { least, spec, remembered } = ctx;
  if (least)
    return {
      initSteps: least.steps.length ? least.steps : undefined,
      sidecars: least.sidecars.length ? least.sidecars : undefined,
      app: least.app,
    };
  return {
    initSteps: ctx.stepCount
      ? spec.initSteps!.map((s) => ({
          name: s.name,
          state: 'Waiting' as const,
          lastFailure: remembered.stepFailed.get(s.name),
        }))
      : undefined,
    sidecars: ctx.sidecarCount
      ? spec.sidecars!.map((s) => ({
          name: s.name,
          state: 'Waiting' as const,
          ready: false,
          restartCount: 0,
          lastFailure: remembered.sidecarFailed.get(s.name),
        }))
      : undefined,
    app: withLastFailure<HelperStatus>(
      { name: spec.app.name, state: 'Waiting', ready: false, restartCount: 0 },
      remembered.appFailed,
    ),
  };
}

/** podEntries: one line per Pod, by name, as `kubectl get pods` shows it; none without Pods. */
export function podEntries(pods: V1Pod[], now: Date): AppStatus['pods'] {
  if (!pods.length) return undefined;
  return pods.map((p) => podEntry(p, now)).sort((a, b) => a.name.localeCompare(b.name));
}

function podEntry(p: V1Pod, now: Date) {
  const printed = printPod(p, now);
  return {
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Pending',
    status: printed.status,
    ready: printed.ready,
    restarts: restartsOf(p),
  };
}
