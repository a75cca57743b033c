import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const tools = path.resolve(__dirname, '../../tools');

export interface NodeParts {
  kubelet: string;
  containerd: string;
  ctr: string;
  coredns: string;
  /** Holds containerd-shim-runc-v2: containerd finds its shim through PATH. */
  binDir: string;
  /** docker-archive tars of the local stand-in images, and VERSIONS saying what they are made of. */
  images: { busybox: string; nginx: string; pause: string; versions: string };
}

/** runScript runs one of the tools scripts, passing its progress (stderr) through; resolves its last stdout line. */
function runScript(script: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(tools, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out.trim().split('\n').pop() ?? '')
        : reject(new Error(`${what} failed (exit ${code}); the lines above say why`)),
    );
  });
}

/**
 * ensureNodeParts installs the Debian packages the node needs when missing (runc, CNI plugins,
 * iptables, image materials), builds the kubelet, containerd and CoreDNS when not cached, and
 * builds the local images. Each step does nothing when its result is already there.
 */
export async function ensureNodeParts(): Promise<NodeParts> {
  await runScript('node/install-packages.sh', [], "installing the real node's Debian packages");
  const bin = await runScript('build-node.sh', [], 'building the real node (kubelet, containerd, CoreDNS)');
  const images = await runScript('node/build-images.sh', [], "building the real node's images");
  for (const f of [path.join(bin, '.complete'), path.join(images, '.complete')])
    if (!existsSync(f))
      throw new Error(`the real node build did not produce ${f}; run hack/tools/build-node.sh to see why`);
  return {
    kubelet: path.join(bin, 'kubelet'),
    containerd: path.join(bin, 'containerd'),
    ctr: path.join(bin, 'ctr'),
    coredns: path.join(bin, 'coredns'),
    binDir: bin,
    images: {
      busybox: path.join(images, 'busybox.tar'),
      nginx: path.join(images, 'nginx.tar'),
      pause: path.join(images, 'pause.tar'),
      versions: path.join(images, 'VERSIONS'),
    },
  };
}
