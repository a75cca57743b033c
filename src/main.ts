/** Wiring only: settings, logger, metrics and probes, leader election, the operator, signals. */
// First, before anything loads the design card's packages: what they load and the operator never uses, only on first use.
import './lean-dependencies';
import type { Server } from 'node:http';
import { Leadership } from './runtime/leadership';
import { AppWithHelpersOperator } from './controller/operator';
import { LeaderElector } from './runtime/leader';
import { createLogger, type Logger } from './obs/logger';
import { Metrics, serveProbes } from './obs/metrics';
import { parseSettings, type Settings } from './settings';

function fail(message: string, code: number): never {
  console.error(`appwithhelpers-operator: ${message}`);
  process.exit(code);
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = parseSettings(process.argv.slice(2), process.env);
  } catch (err) {
    return fail((err as Error).message, 2);
  }
  const log = createLogger(settings.logLevel);
  const metrics = new Metrics();
  const newOperator = () => new AppWithHelpersOperator(settings, log, { metrics });
  let operator: AppWithHelpersOperator;
  try {
    operator = newOperator();
  } catch (err) {
    // One line, naming the file: YAML errors come with a multi-line excerpt of it.
    const where = process.env.KUBECONFIG
      ? `the kubeconfig ${process.env.KUBECONFIG}`
      : 'a kubeconfig (~/.kube/config, or the in-cluster ServiceAccount)';
    const why = (err as Error).message
      .split('\n')[0]
      .replace(/^No active cluster!?$/, 'it names no current cluster: set current-context');
    return fail(`could not load ${where}: ${why}`, 1);
  }
  const leadership = settings.leaderElect ? leaderElection(settings, operator, newOperator, metrics, log) : undefined;
  const probes = await startProbes(settings, metrics, operator, leadership);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping: finishing work in flight', { signal });
    if (leadership) await leadership.stop();
    else await operator.shutdown();
    probes?.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await operator.preflight(leadership ? { namespace: settings.leaseNamespace } : undefined);
    if (leadership) await leadership.campaign();
    else await operator.start();
  } catch (err) {
    fail(`could not start: ${(err as Error).message}`, 1);
  }
}

/** startProbes serves /metrics and the probes on the probe port, if one is set. */
async function startProbes(
  settings: Settings,
  metrics: Metrics,
  operator: AppWithHelpersOperator,
  leadership: Leadership<AppWithHelpersOperator> | undefined,
): Promise<Server | undefined> {
  if (!settings.probePort) return undefined;
  const current = () => leadership?.current ?? operator;
  return serveProbes(settings.probePort, metrics, {
    healthy: () => true,
    ready: () =>
      leadership && !leadership.leading
        ? { ok: true, detail: 'standby: waiting for the leader Lease' }
        : current().ready
          ? { ok: true, detail: 'ok: leading, caches synced' }
          : { ok: false, detail: 'starting: caches not synced yet' },
  }).catch((err: Error) => fail(`could not serve probes on port ${settings.probePort}: ${err.message}`, 1));
}

/** leaderElection runs the operator only while this replica holds the Lease (see runtime/leadership.ts). */
function leaderElection(
  settings: Settings,
  operator: AppWithHelpersOperator,
  newOperator: () => AppWithHelpersOperator,
  metrics: Metrics,
  log: Logger,
): Leadership<AppWithHelpersOperator> {
  // The Lease has a client of its own, as client-go's leader election does: a renewal never waits
  // behind reconcile writes for a token, and each call gives up in time for the renew deadline.
  const elector = new LeaderElector(
    operator.newClient({ qps: 5, burst: 10, timeoutMs: 4000 }),
    {
      namespace: settings.leaseNamespace,
      name: settings.leaseName,
      identity: settings.identity,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    },
    log,
  );
  const next = (previous: AppWithHelpersOperator) => {
    const successor = newOperator();
    successor.serverVersion = previous.serverVersion; // rights and version were checked at start
    return successor;
  };
  const lease = `${settings.leaseNamespace}/${settings.leaseName} as ${settings.identity}`;
  return new Leadership(operator, elector, next, metrics, log, lease, (err) =>
    fail(`could not start after leading again: ${err.message}`, 1),
  );
}

void main();
