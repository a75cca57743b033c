import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';

/** What `kubectl get pod` prints in its READY, STATUS and RESTARTS columns. */
export interface PrintedPod {
  ready: string;
  status: string;
  restarts: string;
}

/**
 * printPod is a faithful port of printPod in Kubernetes v1.36.3
 * (pkg/printers/internalversion/printers.go), so the STATUS a user reads on an AppWithHelpers is
 * exactly the one `kubectl get pod` prints for the same Pod. Keep the structure of the original:
 * diffing the two by eye is how this stays correct across Kubernetes versions.
 */
export function printPod(pod: V1Pod, now: Date = new Date()): PrintedPod {
  const spec = pod.spec;
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitContainerRestarts = 0;
  let totalContainers = spec?.containers?.length ?? 0;
  let readyContainers = 0;
  let lastRestartDate: Date | undefined;
  let lastRestartableInitContainerRestartDate: Date | undefined;

  const podPhase = status.phase ?? '';
  let reason = podPhase;
  if (status.reason) reason = status.reason;

  // If the Pod carries {type:PodScheduled, reason:SchedulingGated}, set reason to 'SchedulingGated'.
  for (const condition of status.conditions ?? []) {
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, { restartPolicy?: string }>();
  for (const c of spec?.initContainers ?? []) {
    initContainers.set(c.name, c as { restartPolicy?: string });
    if (isRestartableInitContainer(c as { restartPolicy?: string })) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i];
    restarts += container.restartCount ?? 0;
    const lastTerminated = terminatedAt(container);
    if (lastTerminated && (!lastRestartDate || lastRestartDate < lastTerminated)) lastRestartDate = lastTerminated;
    const restartable = isRestartableInitContainer(initContainers.get(container.name));
    if (restartable) {
      restartableInitContainerRestarts += container.restartCount ?? 0;
      if (
        lastTerminated &&
        (!lastRestartableInitContainerRestartDate || lastRestartableInitContainerRestartDate < lastTerminated)
      ) {
        lastRestartableInitContainerRestartDate = lastTerminated;
      }
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) {
      continue;
    } else if (restartable && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    } else if (terminated) {
      // initialization is failed
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
      initializing = true;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${spec?.initContainers?.length ?? 0}`;
      initializing = true;
    }
    break;
  }

  if (!initializing || isPodInitializedConditionTrue(status.conditions)) {
    restarts = restartableInitContainerRestarts;
    lastRestartDate = lastRestartableInitContainerRestartDate;
    let hasRunning = false;
    let errorReason = '';
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i];
      restarts += container.restartCount ?? 0;
      const lastTerminated = terminatedAt(container);
      if (lastTerminated && (!lastRestartDate || lastRestartDate < lastTerminated)) lastRestartDate = lastTerminated;
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting && waiting.reason) {
        reason = waiting.reason;
      } else if (terminated) {
        if (terminated.reason) reason = terminated.reason;
        else if (terminated.signal) reason = `Signal:${terminated.signal}`;
        else reason = `ExitCode:${terminated.exitCode ?? 0}`;
        if ((terminated.exitCode ?? 0) !== 0) errorReason = reason;
      } else if (container.ready && container.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }

    // change pod status back to "Running" if there is at least one container still reporting as "Running" status
    if (reason === 'Completed') {
      if (hasRunning && hasPodReadyCondition(status.conditions)) reason = 'Running';
      else if (errorReason !== '') reason = errorReason;
      else if (hasRunning) reason = 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (pod.metadata?.deletionTimestamp && podPhase !== 'Succeeded' && podPhase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestartDate) {
    restartsStr = `${restarts} (${humanDuration(now.getTime() - lastRestartDate.getTime())} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsStr };
}

function isRestartableInitContainer(c: { restartPolicy?: string } | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function terminatedAt(c: V1ContainerStatus): Date | undefined {
  const at = c.lastState?.terminated?.finishedAt;
  if (!at) return undefined;
  const date = at instanceof Date ? at : new Date(at);
  // metav1.Time's zero value prints as <unknown>; Kubernetes compares against it as "before".
  return Number.isNaN(date.getTime()) || date.getTime() <= 0 ? undefined : date;
}

function hasPodReadyCondition(conditions: V1PodCondition[] | undefined): boolean {
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function isPodInitializedConditionTrue(conditions: V1PodCondition[] | undefined): boolean {
  const initialized = (conditions ?? []).find((c) => c.type === 'Initialized');
  return initialized?.status === 'True';
}

/** humanDuration is k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}
