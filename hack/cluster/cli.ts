/**
 * npm run cluster: builds the control plane if needed, starts it, prints how to use it and
 * stops everything on Ctrl-C (or SIGINT, SIGTERM, SIGHUP to npm or to us).
 * Flags: --stages fast|realistic (default realistic), --nodes N, --real-node (one real kubelet
 * node beside the KWOK ones; needs root).
 */
import { readFileSync } from 'node:fs';
import { ControlPlane, StageSet } from './control-plane';
import { containerdSocket, nodeTaint } from './node/configs';
import { RealNode } from './node/real-node';
import { onStopRequest } from './stop-signals';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

let cluster: ControlPlane | undefined;
let realNode: RealNode | undefined;

async function stopAll(): Promise<void> {
  await realNode?.stop();
  await cluster?.stop();
}

async function main(): Promise<void> {
  const stages = flag('stages', 'realistic');
  const nodes = Number(flag('nodes', '3'));
  const withRealNode = process.argv.includes('--real-node');
  if (stages !== 'fast' && stages !== 'realistic')
    throw new Error(`--stages must be fast or realistic, not "${stages}"`);
  if (!Number.isInteger(nodes) || nodes < 1)
    throw new Error(`--nodes must be a whole number of at least 1, not "${flag('nodes', '')}"`);
  const t0 = Date.now();
  onStopRequest(async (why) => {
    console.log(`\nStopping (${why})...`);
    await stopAll();
    console.log('Stopped.');
    process.exit(0);
  });
  const cpOptions = { stages: stages as StageSet, nodes, log: (line: string) => console.log(line) };
  if (withRealNode) {
    // The node's network comes first: the API server listens on the bridge, where Pods reach it.
    console.log('Starting a local Kubernetes control plane with a real node (kubelet + containerd + runc)...');
    realNode = await RealNode.startWithControlPlane(cpOptions, { log: (line) => console.log(line) });
    cluster = realNode.cluster;
    console.log(`  real node ${realNode.name} ready`);
  } else {
    console.log('Starting a local Kubernetes control plane (building it first if needed)...');
    cluster = await ControlPlane.start(cpOptions);
  }
  console.log(
    `\nReady in ${((Date.now() - t0) / 1000).toFixed(1)}s: Kubernetes ${cluster.server} with ${nodes} KWOK nodes (${stages} stages)${realNode ? ` and the real node ${realNode.name}` : ''}.`,
  );
  console.log(`\n  export KUBECONFIG=${cluster.kubeconfig}`);
  console.log(`  export PATH=${cluster.binaries.dir}:$PATH   # kubectl and helm at the server's version\n`);
  if (realNode)
    console.log(
      `A Pod lands on ${realNode.name} with nodeSelector {helpers.dev/real-node: "true"} and the toleration\n` +
        `{key: ${nodeTaint.key}, operator: Exists, effect: ${nodeTaint.effect}}. Its images are LOCAL STAND-INS built\n` +
        `from Debian packages under the names the examples use:\n${readFileSync(realNode.parts.images.versions, 'utf8')}`,
    );
  if (realNode)
    console.log(
      `Pods reach the API server at the kubernetes Service (https://10.96.0.1:443), as in a cluster. To install the\n` +
        `operator with Helm (docs/install.md "Install with Helm"), build its image and load it into the node's containerd:\n` +
        `  PATH=${realNode.parts.binDir}:$PATH npm run image -- --load ${containerdSocket(realNode.layout)}\n`,
    );
  console.log('Press Ctrl-C to stop it and remove everything it made.');
}

main().catch(async (err: Error) => {
  console.error(`cluster: ${err.message}`);
  await stopAll().catch(() => undefined);
  process.exit(1);
});
