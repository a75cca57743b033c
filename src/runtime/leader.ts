import { ApiError } from '../k8s/api-error';
import type { KubeHttp } from '../k8s/http';
import type { Logger } from '../obs/logger';

/** The time source; tests drive a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/**
 * LeaderElector holds a coordination.k8s.io Lease the way client-go's leaderelection does: try
 * every retry period; take the Lease when it is free or its holder has not renewed it for a lease
 * duration (timed on our clock, from when we saw it change, so clock skew does not matter); as
 * leader renew every retry period and give up leadership if renewing fails for the renew deadline.
 */
export class LeaderElector {
  private observed?: { record: string; at: number; duration: number };
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  /** Bumped each time leadership starts or ends; an attempt answered in another term counts for nothing. */
  private term = 0;
  /** Set when a renewal found another holder. */
  private takenBy?: string;

  /** http should be a client of its own (its own rate limit, short timeouts): renewals must not wait behind reconcile writes. */
  constructor(
    private readonly http: KubeHttp,
    private readonly o: LeaderOptions,
    private readonly log: Logger,
    private readonly clock: Clock = realClock,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases`;
  }

  /** run resolves once this process leads; onLost is called if it stops leading later. */
  async run(onLost: () => void): Promise<void> {
    while (!this.stopped && !(await this.tryAcquireOrRenew())) await this.clock.sleep(this.untilNextTry());
    if (this.stopped) return;
    this.log.info('became leader', { lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity });
    const term = ++this.term;
    void (async () => {
      while (!this.stopped) {
        await this.clock.sleep(this.o.retryPeriodMs);
        if (this.stopped) return;
        // The deadline holds however long an attempt takes: work stops before the Lease can pass on.
        const left = this.lastRenew + this.o.renewDeadlineMs - this.clock.now();
        const renewed =
          left > 0 && (await Promise.race([this.tryAcquireOrRenew(term), this.clock.sleep(left).then(() => false)]));
        if (renewed) continue;
        const takenBy = this.takenBy;
        if (takenBy || this.clock.now() - this.lastRenew >= this.o.renewDeadlineMs) {
          this.leading = false;
          this.term++; // an attempt still in flight must not make us leader again
          this.log.warn(
            takenBy
              ? `lost the leader Lease: ${takenBy} holds it`
              : 'lost the leader Lease: not renewed within the renew deadline',
            { lease: `${this.o.namespace}/${this.o.name}` },
          );
          onLost();
          return;
        }
      }
    })();
  }

  /** release gives the Lease up at shutdown, so a standby takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.http.request<Lease>('GET', `${this.path}/${this.o.name}`);
      if (lease.spec.holderIdentity !== this.o.identity) return;
      await this.http.request('PUT', `${this.path}/${this.o.name}`, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
      });
      this.log.info('released the leader Lease');
    } catch (err) {
      this.log.warn('could not release the leader Lease', { error: (err as Error).message });
    }
  }

  private async tryAcquireOrRenew(term = this.term): Promise<boolean> {
    this.takenBy = undefined;
    const now = new Date(this.clock.now());
    const started = now.getTime(); // a renewal counts from when it was asked for, not when it was answered
    const spec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.round(this.o.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    try {
      let lease: Lease | undefined;
      try {
        lease = await this.http.request<Lease>('GET', `${this.path}/${this.o.name}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
      if (!lease) {
        await this.http.request('POST', this.path, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
        });
        return this.acquired(started, term);
      }
      const record = JSON.stringify(lease.spec);
      if (this.observed?.record !== record)
        this.observed = {
          record,
          at: this.renewedAt(lease.spec.renewTime),
          duration: (lease.spec.leaseDurationSeconds ?? 0) * 1000,
        };
      const holder = lease.spec.holderIdentity;
      if (holder && holder !== this.o.identity && this.observed.at + this.observed.duration > this.clock.now()) {
        if (this.leading) this.takenBy = holder; // someone else holds it now: stop at once
        return false;
      }
      const mine = holder === this.o.identity;
      await this.http.request('PUT', `${this.path}/${this.o.name}`, {
        ...lease,
        spec: {
          ...lease.spec,
          ...spec,
          acquireTime: mine ? lease.spec.acquireTime : microTime(now),
          leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
        },
      });
      return this.acquired(started, term);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409))
        this.log.warn('leader election attempt failed', { error: (err as Error).message });
      return false;
    }
  }

  /**
   * renewedAt is when the holder last renewed, on our clock: the record's renewTime when it agrees
   * with our clock within one retry period (we poll that often), else the moment we saw it change.
   * The first keeps a takeover near the 15 s lease; the second keeps clock skew harmless.
   */
  private renewedAt(renewTime: string | undefined): number {
    const now = this.clock.now();
    const stated = renewTime ? Date.parse(renewTime) : NaN;
    return stated <= now && now - stated <= this.o.retryPeriodMs ? stated : now;
  }

  /** untilNextTry waits one retry period, or less when the holder's Lease runs out sooner. */
  private untilNextTry(): number {
    if (!this.observed) return this.o.retryPeriodMs;
    const expiresIn = this.observed.at + this.observed.duration - this.clock.now();
    return Math.max(10, Math.min(this.o.retryPeriodMs, expiresIn + 10));
  }

  private acquired(started: number, term: number): boolean {
    if (term !== this.term) return false; // answered after we gave the Lease up: campaign afresh
    this.leading = true;
    this.lastRenew = started;
    return true;
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
