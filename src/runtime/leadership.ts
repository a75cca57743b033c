import type { LeaderElector } from './leader';
import type { Logger } from '../obs/logger';
import type { Metrics } from '../obs/metrics';

/** What Leadership runs while this replica leads: started once, shut down for good. */
export interface Runnable {
  start(): Promise<void>;
  /** abort: the Lease is lost, so writes in flight are cut rather than finished. */
  shutdown(options?: { abort?: boolean }): Promise<void>;
}

/**
 * Leadership runs the operator only while this replica holds the Lease. A leader that cannot
 * renew (the API server away longer than the renew deadline) stops all work before the Lease can
 * pass to another, then competes again with a fresh operator and fresh caches. The process stays
 * up: no restart loop, no lost metrics.
 *
 *   campaigning --Lease won--> leading --Lease lost--> stepping down --> campaigning
 *   any state --stop()--> stopped (final)
 */
export class Leadership<T extends Runnable> {
  private stopped = false;

  constructor(
    private operator: T,
    private readonly elector: LeaderElector,
    /** The operator of the next term, given the one that stepped down (whatever it learned at start may carry over). */
    private readonly newOperator: (previous: T) => T,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly lease: string,
    /** Called when leading again fails: the process cannot go on. */
    private readonly fatal: (err: Error) => void,
  ) {}

  get leading(): boolean {
    return this.elector.isLeader;
  }

  /** current is the operator of this term (for probes and for stopping). */
  get current(): T {
    return this.operator;
  }

  /** campaign resolves once this replica leads and its operator has started. */
  async campaign(): Promise<void> {
    this.log.info('waiting for the leader Lease', { lease: this.lease });
    await this.elector.run(() => void this.stepDown());
    if (this.stopped) return;
    this.metrics.leader.set(1);
    await this.operator.start();
  }

  /** stop ends every term for good: the operator finishes its work in flight, then the Lease is released. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.operator.shutdown();
    await this.elector.release();
  }

  private async stepDown(): Promise<void> {
    try {
      this.metrics.leader.set(0);
      this.log.warn('stopping work until this replica holds the leader Lease again');
      await this.operator.shutdown({ abort: true }); // writes in flight are cut: another replica may lead soon
      if (this.stopped) return;
      this.operator = this.newOperator(this.operator);
      await this.campaign();
    } catch (err) {
      this.fatal(err as Error);
    }
  }
}
