/**
 * npm run demo: builds what it needs, starts a local control plane with the realistic stages,
 * starts the operator, applies the guide's three examples (and one broken on purpose) and shows
 * `kubectl get awh` as it changes until they settle. Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import * as path from 'node:path';
import { ControlPlane, sleep } from '../test/cluster/control-plane';
import { installCrd } from '../test/cluster/install-crd';

const root = path.join(__dirname, '..');

async function main(): Promise<void> {
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
  console.log(
    '1/4 Starting a local Kubernetes control plane (the first run builds it from source: several minutes)...',
  );
  const cluster = await ControlPlane.start({ stages: 'realistic', log: (l) => console.log(l) });
  let operator: ReturnType<typeof spawn> | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the operator and the control plane...');
    operator?.kill('SIGTERM');
    await cluster.stop();
    console.log('Stopped; nothing is left running.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    console.log(`2/4 Installing the AppWithHelpers CRD (${elapsed()})`);
    await installCrd(cluster);

    const logFile = path.join(cluster.dir, 'logs', 'operator.log');
    console.log(`3/4 Starting the operator (logs: ${logFile})`);
    const log = openSync(logFile, 'a');
    operator = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'src/main.ts')], {
      cwd: root,
      stdio: ['ignore', log, log],
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
    });
    operator.on('exit', (code) => {
      if (!stopping) {
        console.error(`the operator stopped (exit ${code}); see ${logFile}`);
        void stop(1);
      }
    });

    console.log(`4/4 Applying the guide's examples and one broken on purpose (${elapsed()})\n`);
    await cluster.kubectl(['apply', '-f', path.join(root, 'examples'), '-f', path.join(root, 'examples/simulated')]);
    let last = '';
    const deadline = Date.now() + 90_000;
    for (;;) {
      const table = await cluster.kubectl(['get', 'awh']);
      const shape = table.replace(/\s+\d+s\n/g, '\n'); // AGE alone changing is not news
      if (shape !== last) {
        console.log(`--- kubectl get awh (${elapsed()})\n${table}`);
        last = shape;
      }
      const settled =
        /myapp-combined\s+Running/.test(table) &&
        /myapp-with-init\s+Running/.test(table) &&
        /myapp-with-sidecar\s+Running/.test(table) &&
        /failing-step\s+Init:CrashLoopBackOff/.test(table);
      if (settled || Date.now() > deadline) break;
      await sleep(300);
    }
    console.log(`The three examples are Running; failing-step shows what a broken init step looks like.\n
Explore in another terminal:
  export KUBECONFIG=${cluster.kubeconfig}
  export PATH=${cluster.binaries.dir}:$PATH
  kubectl get awh                         # STATUS, READY, INIT, SIDECARS, RESTARTS
  kubectl describe awh myapp-combined     # every step and sidecar, conditions, Events
  kubectl describe awh failing-step       # which step fails, its exit code and last log lines
  kubectl get pods                        # the Pods behind them
  kubectl wait --for=condition=Ready awh/myapp-combined

Press Ctrl-C to stop everything.`);
  } catch (err) {
    console.error(`demo: ${(err as Error).message}`);
    await stop(1);
  }
}

main().catch((err) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
});
