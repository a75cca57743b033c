import type { AppStatus, AppWithHelpers } from '../api/status';

/** How long a write is trusted over the cache at most: a relist may never show our exact version. */
const TRUST_MS = 30_000;

/**
 * LastWritten remembers the status this process last wrote for each object until the informer
 * shows that write. The cache can lag a write by a few milliseconds; a reconcile triggered by a
 * Pod in that window must compare with what is really stored, or it re-sends the same patch and
 * fires the same Warning again.
 */
export class LastWritten {
  private readonly byKey = new Map<string, { uid: string; resourceVersion: string; status: AppStatus; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  remember(key: string, app: AppWithHelpers, resourceVersion: string | undefined, status: AppStatus): void {
    if (!resourceVersion) return;
    this.byKey.set(key, { uid: app.metadata.uid, resourceVersion, status, at: this.now() });
  }

  /** statusOf is the object's stored status as best known: ours, until the cache has caught up with it. */
  statusOf(key: string, app: AppWithHelpers): AppStatus | undefined {
    const w = this.byKey.get(key);
    if (!w) return app.status;
    if (
      w.uid !== app.metadata.uid ||
      w.resourceVersion === app.metadata.resourceVersion ||
      this.now() - w.at > TRUST_MS
    ) {
      this.byKey.delete(key);
      return app.status;
    }
    return w.status;
  }

  /** observe drops the record once the cache shows our write (a watch delivers in order). */
  observe(key: string, app: AppWithHelpers): void {
    const w = this.byKey.get(key);
    if (w && (w.uid !== app.metadata.uid || w.resourceVersion === app.metadata.resourceVersion)) this.byKey.delete(key);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }

  /** clear drops every record: after a relist the cache is fresh, and may never show our exact versions. */
  clear(): void {
    this.byKey.clear();
  }
}
