import type { LeaderElector } from '../k8s/leader';
import type { Logger } from '../obs/logger';
import type { Metrics } from '../obs/metrics';
import type { AppWithHelpersOperator } from './operator';

/**
 * Leadership runs the operator only while this replica holds the Lease. A leader that cannot
 * renew (the API server away longer than the renew deadline) stops all work before the Lease can
 * pass to another, then competes again with a fresh operator and fresh caches. The process stays
 * up: no restart loop, no lost metrics.
 *
 *   campaigning --Lease won--> leading --Lease lost--> stepping down --> campaigning
 *   any state --stop()--> stopped (final)
 */
export class Leadership {
  private stopped = false;

  constructor(
    private operator: AppWithHelpersOperator,
    private readonly elector: LeaderElector,
    private readonly newOperator: () => AppWithHelpersOperator,
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
  get current(): AppWithHelpersOperator {
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
      const version = this.operator.serverVersion;
      this.operator = this.newOperator();
      this.operator.serverVersion = version; // rights and version were checked at start
      await this.campaign();
    } catch (err) {
      this.fatal(err as Error);
    }
  }
}
