import type {
  V1Container,
  V1ContainerStatus,
  V1Pod,
  V1PodCondition,
  V1PodSpec,
  V1PodStatus,
} from '@kubernetes/client-node';

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
 *
 * The Go function is one long body; here each of its passes is a helper, called in the same order,
 * over a PodPrint that holds the Go function's local variables under their Go names:
 * - podReason: `reason` from the phase, status.reason and the SchedulingGated condition;
 * - initContainersByName: the `initContainers` map, and restartable ones added to totalContainers;
 * - printInitContainers: the loop over InitContainerStatuses, which sets `initializing`;
 * - printContainers: the `if !initializing || isPodInitializedConditionTrue(...)` block, its
 *   reverse loop over ContainerStatuses and the "Completed" fix-up after that loop;
 * - deletionReason: Unknown or Terminating for a Pod with a deletionTimestamp;
 * - restartsColumn: `restartsStr`, with "(… ago)" after the last restart.
 */
export function printPod(pod: V1Pod, now: Date = new Date()): PrintedPod {
  const status = pod.status ?? {};
  const print: PodPrint = {
    restarts: 0,
    restartableInitContainerRestarts: 0,
    totalContainers: pod.spec?.containers?.length ?? 0,
    readyContainers: 0,
    reason: podReason(status),
  };
  const initContainers = initContainersByName(print, pod.spec);
  const initializing = printInitContainers(print, pod, initContainers);
  if (!initializing || isPodInitializedConditionTrue(status.conditions)) printContainers(print, status);
  print.reason = deletionReason(pod, print.reason);
  return {
    ready: `${print.readyContainers}/${print.totalContainers}`,
    status: print.reason,
    restarts: restartsColumn(print, now),
  };
}

/** The local variables of kubectl's printPod that more than one of its passes reads or updates. */
interface PodPrint {
  restarts: number;
  restartableInitContainerRestarts: number;
  totalContainers: number;
  readyContainers: number;
  lastRestartDate?: Date;
  lastRestartableInitContainerRestartDate?: Date;
  reason: string;
}

/** The reason before any container is looked at: the phase, status.reason, or SchedulingGated. */
function podReason(status: V1PodStatus): string {
  let reason = status.phase ?? '';
  if (status.reason) reason = status.reason;

  // If the Pod carries {type:PodScheduled, reason:SchedulingGated}, set reason to 'SchedulingGated'.
  for (const condition of status.conditions ?? []) {
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  return reason;
}

/** The init containers by name; each restartable one (a native sidecar) counts in READY's total. */
function initContainersByName(print: PodPrint, spec: V1PodSpec | undefined): Map<string, V1Container> {
  const initContainers = new Map<string, V1Container>();
  for (const c of spec?.initContainers ?? []) {
    initContainers.set(c.name, c);
    if (isRestartableInitContainer(c)) print.totalContainers++;
  }
  return initContainers;
}

/**
 * The init containers' statuses in order, up to the first one not done: it sets the reason
 * (Init:…). Returns `initializing`: whether one such init container was found.
 */
function printInitContainers(print: PodPrint, pod: V1Pod, initContainers: Map<string, V1Container>): boolean {
  let initializing = false;
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i];
    print.restarts += container.restartCount ?? 0;
    const lastTerminated = terminatedAt(container);
    print.lastRestartDate = later(print.lastRestartDate, lastTerminated);
    const restartable = isRestartableInitContainer(initContainers.get(container.name));
    if (restartable) {
      print.restartableInitContainerRestarts += container.restartCount ?? 0;
      print.lastRestartableInitContainerRestartDate = later(
        print.lastRestartableInitContainerRestartDate,
        lastTerminated,
      );
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) {
      continue;
    } else if (restartable && container.started === true) {
      if (container.ready) print.readyContainers++;
      continue;
    } else if (terminated) {
      // initialization is failed
      if (!terminated.reason) {
        print.reason = terminated.signal
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        print.reason = `Init:${terminated.reason}`;
      }
      initializing = true;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      print.reason = `Init:${waiting.reason}`;
      initializing = true;
    } else {
      print.reason = `Init:${i}/${pod.spec?.initContainers?.length ?? 0}`;
      initializing = true;
    }
    break;
  }
  return initializing;
}

/**
 * Once no init container holds the Pod back: RESTARTS starts over from the restartable init
 * containers' restarts, and the containers, walked last to first so the first one's reason wins,
 * add theirs, set the reason and count READY.
 */
function printContainers(print: PodPrint, status: V1PodStatus): void {
  print.restarts = print.restartableInitContainerRestarts;
  print.lastRestartDate = print.lastRestartableInitContainerRestartDate;
  let hasRunning = false;
  let errorReason = '';
  const statuses = status.containerStatuses ?? [];
  for (let i = statuses.length - 1; i >= 0; i--) {
    const container = statuses[i];
    print.restarts += container.restartCount ?? 0;
    print.lastRestartDate = later(print.lastRestartDate, terminatedAt(container));
    const waiting = container.state?.waiting;
    const terminated = container.state?.terminated;
    if (waiting && waiting.reason) {
      print.reason = waiting.reason;
    } else if (terminated) {
      if (terminated.reason) print.reason = terminated.reason;
      else if (terminated.signal) print.reason = `Signal:${terminated.signal}`;
      else print.reason = `ExitCode:${terminated.exitCode ?? 0}`;
      if ((terminated.exitCode ?? 0) !== 0) errorReason = print.reason;
    } else if (container.ready && container.state?.running) {
      hasRunning = true;
      print.readyContainers++;
    }
  }

  // change pod status back to "Running" if there is at least one container still reporting as "Running" status
  if (print.reason === 'Completed') {
    if (hasRunning && hasPodReadyCondition(status.conditions)) print.reason = 'Running';
    else if (errorReason !== '') print.reason = errorReason;
    else if (hasRunning) print.reason = 'NotReady';
  }
}

/** A Pod being deleted reads Unknown on a lost node, else Terminating until its phase is terminal. */
function deletionReason(pod: V1Pod, reason: string): string {
  const podPhase = pod.status?.phase ?? '';
  if (pod.metadata?.deletionTimestamp && pod.status?.reason === 'NodeLost') {
    return 'Unknown';
  } else if (pod.metadata?.deletionTimestamp && podPhase !== 'Succeeded' && podPhase !== 'Failed') {
    return 'Terminating';
  }
  return reason;
}

/** The RESTARTS column: the count, and how long ago the last restart was when there is one. */
function restartsColumn({ restarts, lastRestartDate }: PodPrint, now: Date): string {
  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestartDate) {
    restartsStr = `${restarts} (${humanDuration(now.getTime() - lastRestartDate.getTime())} ago)`;
  }
  return restartsStr;
}

/** Go's `if lastRestartDate.Before(&terminatedDate) { lastRestartDate = terminatedDate }`; undefined is Go's zero time. */
function later(date: Date | undefined, terminated: Date | undefined): Date | undefined {
  return terminated && (!date || date < terminated) ? terminated : date;
}

function isRestartableInitContainer(c: V1Container | undefined): boolean {
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
