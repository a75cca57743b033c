/**
 * npm run demo: builds what it needs, starts a local control plane with the realistic stages,
 * starts the operator, applies the guide's three examples (and one broken on purpose) and shows
 * `kubectl get awh` as it changes until they settle. Ctrl-C stops everything.
 *
 * npm run demo -- --real-node: the three examples run on a real kubelet node instead, with real
 * containers from local stand-in images (needs root; see README "A real node").
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ControlPlane, sleep } from '../hack/cluster/control-plane';
import { installCrd } from '../hack/cluster/install-crd';
import { onRealNode } from '../hack/cluster/node/placement';
import { RealNode } from '../hack/cluster/node/real-node';
import { onStopRequest } from '../hack/cluster/stop-signals';

const root = path.join(__dirname, '..');
const withRealNode = process.argv.includes('--real-node');

async function main(): Promise<void> {
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
  console.log(
    '1/4 Starting a local Kubernetes control plane (the first run builds it from source: several minutes)...',
  );
  const cpOptions = { stages: 'realistic' as const, log: (l: string) => console.log(l) };
  // With a real node, its network comes first: the API server listens on its bridge.
  const realNode = withRealNode
    ? await RealNode.startWithControlPlane(cpOptions, { log: (l) => console.log(l) })
    : undefined;
  const cluster = realNode?.cluster ?? (await ControlPlane.start(cpOptions));
  let operator: ReturnType<typeof spawn> | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the operator, the node and the control plane...');
    operator?.kill('SIGTERM');
    await realNode?.stop();
    await cluster.stop();
    console.log('Stopped; nothing is left running.');
    process.exit(code);
  };
  onStopRequest(() => stop(0));

  try {
    if (realNode) {
      console.log(`    with a real node (kubelet + containerd + runc) (${elapsed()})`);
      console.log(
        `    its images are LOCAL STAND-INS built from Debian packages, under the names the examples use:\n${readFileSync(
          realNode.parts.images.versions,
          'utf8',
        )
          .trimEnd()
          .replace(/^/gm, '      ')}`,
      );
    }
    console.log(`2/4 Installing the AppWithHelpers CRD (${elapsed()})`);
    await installCrd(cluster);

    const logFile = path.join(cluster.dir, 'logs', 'operator.log');
    console.log(`3/4 Starting the operator (logs: ${logFile})`);
    const log = openSync(logFile, 'a');
    // No fixed port: its probes are not needed here, and 8080 may be taken.
    operator = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'src/main.ts'), '--probe-port', '0'], {
      cwd: root,
      stdio: ['ignore', log, log],
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
    });
    operator.on('exit', (code, signal) => {
      if (stopping) return;
      // Print its last words now: stopping removes the cluster folder, log file included.
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
      console.error(
        `the operator stopped (${code !== null ? `exit code ${code}` : `signal ${signal}`}). ` +
          (tail ? `Its last log lines:\n${tail}` : 'It had written nothing to its log yet.'),
      );
      void stop(1);
    });

    console.log(`4/4 Applying the guide's examples and one broken on purpose (${elapsed()})\n`);
    const examples = ['combined', 'init-step', 'sidecar'].map((n) => path.join(root, 'examples', `${n}.yaml`));
    if (realNode) {
      for (const file of examples) await cluster.kubectl(['apply', '-f', '-'], onRealNode(readFileSync(file, 'utf8')));
      await cluster.kubectl(['apply', '-f', path.join(root, 'examples/simulated')]);
    } else
      await cluster.kubectl(['apply', '-f', path.join(root, 'examples'), '-f', path.join(root, 'examples/simulated')]);
    let last = '';
    const deadline = Date.now() + (realNode ? 180_000 : 90_000);
    for (;;) {
      const table = await cluster.kubectl(['get', 'awh']);
      const shape = table.replace(/\s+\d+s\n/g, '\n'); // AGE alone changing is not news
      if (shape !== last) {
        console.log(`--- kubectl get awh (${elapsed()})\n${table}`);
        last = shape;
      }
      const settled =
        /myapp-combined\s+Running\s+1\/1/.test(table) &&
        /myapp-with-init\s+Running\s+1\/1/.test(table) &&
        /myapp-with-sidecar\s+Running\s+1\/1/.test(table) &&
        /failing-step\s+Init:CrashLoopBackOff/.test(table);
      if (settled || Date.now() > deadline) break;
      await sleep(300);
    }
    if (realNode) {
      console.log('--- kubectl get pods -o wide (real containers on the real node)');
      console.log(await cluster.kubectl(['get', 'pods', '-o', 'wide']));
      const sidecarPod = (
        await cluster.kubectl(['get', 'pods', '-l', 'helpers.dev/app=myapp-with-sidecar', '-o', 'name'])
      ).split('\n')[0];
      console.log(`--- kubectl logs ${sidecarPod} -c log-sidecar (it tails nginx's access.log)`);
      console.log(await cluster.kubectl(['logs', sidecarPod, '-c', 'log-sidecar']).catch((e: Error) => e.message));
    }
    console.log(`The three examples are Running; failing-step shows what a broken init step looks like.\n
Explore in another terminal:
  export KUBECONFIG=${cluster.kubeconfig}
  export PATH=${cluster.binaries.dir}:$PATH
  kubectl get awh                         # STATUS, READY, INIT, SIDECARS, RESTARTS
  kubectl describe awh myapp-combined     # every step and sidecar, conditions, Events
  kubectl describe awh failing-step       # which step fails, its exit code and last log lines
  kubectl get pods -o wide                # the Pods behind them, and their nodes
  kubectl wait --for=condition=Ready awh/myapp-combined

Press Ctrl-C to stop everything.`);
  } catch (err) {
    if (!stopping) console.error(`demo: ${(err as Error).message}`); // else the cluster went away under us
    await stop(1);
  }
}

main().catch((err) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
});
