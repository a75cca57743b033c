import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const buildScript = path.resolve(__dirname, '../tools/build.sh');

export interface Binaries {
  dir: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  etcd: string;
  kwok: string;
  helm: string;
  /** What kstatus (Helm 4's --wait, Flux) computes for objects: hack/tools/kstatus. */
  kstatus: string;
  /** Runs an Argo CD Lua health check as Argo CD does: hack/tools/argocd-lua. */
  argocdLua: string;
}

function binariesIn(dir: string): Binaries {
  const at = (name: string) => path.join(dir, name);
  return {
    dir,
    kubeApiserver: at('kube-apiserver'),
    kubeControllerManager: at('kube-controller-manager'),
    kubeScheduler: at('kube-scheduler'),
    kubectl: at('kubectl'),
    etcd: at('etcd'),
    kwok: at('kwok'),
    helm: at('helm'),
    kstatus: at('kstatus'),
    argocdLua: at('argocd-lua'),
  };
}

/**
 * ensureBinaries builds the pinned control plane when it is not cached yet. The build script
 * prints its progress on stderr, which is passed through so a first run shows what it is doing.
 */
export async function ensureBinaries(): Promise<Binaries> {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`building the control plane failed (exit ${code}); the lines above say why`)),
    );
  });
  const dir = stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(path.join(dir, '.complete'))) throw new Error(`the control plane build did not produce ${dir}`);
  return binariesIn(dir);
}
