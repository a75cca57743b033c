import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_OPTIONAL_SIDECARS, ANNOTATION_SIDECARS } from '../api/constants';
import type { Metrics } from './metrics';

/**
 * HelperMetrics turns Pod changes into per-helper metrics: each init step's run time once it
 * succeeds (measured once per Pod UID) and the sidecar restarts of each AppWithHelpers (and,
 * apart, those of its optional sidecars, which never make it Degraded).
 */
export class HelperMetrics {
  /**
   * Init steps whose success was already measured, by Pod UID: a Pod's entry goes with the Pod.
   * The names are one string joined by newlines (a name has none), not a Set: one per cached Pod.
   */
  private readonly stepsSeen = new Map<string, string>();

  constructor(private readonly metrics: Metrics) {}

  /**
   * observe takes one Pod change. `app` is its controlling AppWithHelpers (undefined when it has
   * none any more), `podsOfApp` that app's cached Pods after the change, `appExists` whether the
   * app is still in the cache.
   */
  observe(pod: V1Pod, deleted: boolean, app: string | undefined, podsOfApp: V1Pod[], appExists: boolean): void {
    const namespace = pod.metadata!.namespace!;
    const uid = pod.metadata!.uid!;
    if (deleted || !app) this.stepsSeen.delete(uid); // gone, or orphaned: no longer ours to measure
    if (!app) return;
    for (const s of deleted ? [] : (pod.status?.initContainerStatuses ?? [])) {
      const t = s.state?.terminated;
      const seen = this.stepsSeen.get(uid);
      if (t && t.exitCode === 0 && t.startedAt && t.finishedAt && !seen?.split('\n').includes(s.name)) {
        this.stepsSeen.set(uid, seen === undefined ? s.name : `${seen}\n${s.name}`);
        const seconds = (Date.parse(String(t.finishedAt)) - Date.parse(String(t.startedAt))) / 1000;
        if (Number.isFinite(seconds) && seconds >= 0) this.metrics.initStepSeconds.observe({ namespace }, seconds);
      }
    }
    // The series goes with its AppWithHelpers: its Pods' last events (the garbage collector
    // deleting them) come after the reconcile that removed it, and must not bring it back.
    if (deleted && !appExists) {
      this.metrics.forgetApp(namespace, app);
      return;
    }
    // Each Pod names its own sidecars: during a rollout old and new Pods may name different ones.
    const restartsOf = (annotation: string) =>
      podsOfApp.reduce((n, p) => {
        const names = new Set(p.metadata?.annotations?.[annotation]?.split(',') ?? []);
        return [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
          .filter((s) => names.has(s.name))
          .reduce((m, s) => m + (s.restartCount ?? 0), n);
      }, 0);
    const series = { namespace, appwithhelpers: app };
    this.metrics.sidecarRestarts.set(series, restartsOf(ANNOTATION_SIDECARS));
    // A series only while the app's Pods have optional sidecars: most have none, and each series costs
    // memory; once none has (optional taken out of the spec and the Pods rolled) it goes, not frozen.
    if (podsOfApp.some((p) => p.metadata?.annotations?.[ANNOTATION_OPTIONAL_SIDECARS]))
      this.metrics.optionalSidecarRestarts.set(series, restartsOf(ANNOTATION_OPTIONAL_SIDECARS));
    else this.metrics.optionalSidecarRestarts.remove(series);
  }
}
