import { API_VERSION, KIND, MANAGER } from '../api/constants';
import type { AppWithHelpers } from '../api/status';
import { ApiError } from './api-error';
import { EventCorrelator, type EventDecision } from './event-correlator';
import type { KubeHttp } from './http';

export interface EventRecorderOptions {
  /** Events waiting for the rate limit at most; past that a new one is dropped and counted. */
  maxPending: number;
  onDropped?: () => void;
  correlator?: EventCorrelator;
}

/**
 * EventRecorder writes core/v1 Events as client-go's recorder does: a repeat PATCHes the count and
 * lastTimestamp of the Event it made before, similar ones are combined and each object has a spam
 * budget (see EventCorrelator). Events are the lowest-priority writes: they wait behind Pods and
 * status for the rate limit, and at most maxPending wait at once (more are dropped, as client-go
 * drops when its queue is full), so sustained load cannot grow the heap.
 */
export class EventRecorder {
  private pending = 0;
  private readonly correlator: EventCorrelator;

  constructor(
    private readonly http: KubeHttp,
    private readonly options: EventRecorderOptions = { maxPending: 200 },
  ) {
    this.correlator = options.correlator ?? new EventCorrelator();
  }

  async record(
    app: AppWithHelpers,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: Date,
  ): Promise<void> {
    if (this.pending >= this.options.maxPending) {
      this.options.onDropped?.();
      return;
    }
    this.pending++;
    try {
      await this.send(app, type, reason, message.slice(0, 1024), now);
    } finally {
      this.pending--;
    }
  }

  private async send(
    app: AppWithHelpers,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: Date,
  ): Promise<void> {
    const { name, namespace, uid } = app.metadata;
    const decision = this.correlator.correlate(
      { subject: { kind: KIND, namespace, name, uid }, type, reason, message },
      now,
    );
    if (decision.action === 'skip') return;
    const time = now.toISOString();
    if (decision.action === 'patch' && (await this.patchRepeat(namespace, decision, time))) return;
    const eventName = `${name}.${now.getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}`;
    await this.http.request(
      'POST',
      `/api/v1/namespaces/${namespace}/events`,
      newEvent(app, eventName, type, reason, decision.message, time),
      'application/json',
      'low',
    );
    this.correlator.observe(decision.key, { name: eventName, count: 1, firstTimestamp: time });
  }

  /** patchRepeat counts a repeat on the Event made before; false when that Event is gone. */
  private async patchRepeat(
    namespace: string,
    decision: Extract<EventDecision, { action: 'patch' }>,
    time: string,
  ): Promise<boolean> {
    try {
      await this.http.request(
        'PATCH',
        `/api/v1/namespaces/${namespace}/events/${decision.name}`,
        { count: decision.count, lastTimestamp: time, message: decision.message },
        'application/merge-patch+json',
        'low',
      );
      this.correlator.observe(decision.key, decision);
      return true;
    } catch (err) {
      // Gone (Events expire after an hour): the repeat starts a new one.
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      this.correlator.forget(decision.key);
      return false;
    }
  }
}

/** A new core/v1 Event about the AppWithHelpers, with the fields client-go's recorder sets. */
function newEvent(
  app: AppWithHelpers,
  eventName: string,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  time: string,
): Record<string, unknown> {
  const { name, namespace, uid, resourceVersion } = app.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName, namespace },
    involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid, resourceVersion },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: time,
    lastTimestamp: time,
    source: { component: MANAGER },
    reportingComponent: MANAGER,
    reportingInstance: MANAGER,
  };
}
