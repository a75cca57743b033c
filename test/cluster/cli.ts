/**
 * npm run cluster: builds the control plane if needed, starts it, prints how to use it and
 * stops everything on Ctrl-C.  Flags: --stages fast|realistic (default realistic), --nodes N.
 */
import { ControlPlane, StageSet } from './control-plane';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const stages = flag('stages', 'realistic');
  const nodes = Number(flag('nodes', '3'));
  if (stages !== 'fast' && stages !== 'realistic')
    throw new Error(`--stages must be fast or realistic, not "${stages}"`);
  if (!Number.isInteger(nodes) || nodes < 1)
    throw new Error(`--nodes must be a whole number of at least 1, not "${flag('nodes', '')}"`);
  const t0 = Date.now();
  console.log('Starting a local Kubernetes control plane (building it first if needed)...');
  const cluster = await ControlPlane.start({ stages: stages as StageSet, nodes, log: (line) => console.log(line) });
  console.log(
    `\nReady in ${((Date.now() - t0) / 1000).toFixed(1)}s: Kubernetes ${cluster.server} with ${nodes} KWOK nodes (${stages} stages).`,
  );
  console.log(`\n  export KUBECONFIG=${cluster.kubeconfig}`);
  console.log(`  export PATH=${cluster.binaries.dir}:$PATH   # kubectl and helm at the server's version\n`);
  console.log('Press Ctrl-C to stop it and remove everything it made.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the control plane...');
    await cluster.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`cluster: ${err.message}`);
  process.exit(1);
});
