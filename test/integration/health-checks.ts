/**
 * What tools outside kubectl make of an AppWithHelpers: kstatus (Helm 4's --wait, Flux, kpt,
 * Config Sync) and Argo CD's health check. Both run as the real libraries do, in small Go programs
 * built with the control plane (hack/tools/kstatus, hack/tools/argocd-lua).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { ControlPlane } from '../../hack/cluster/control-plane';

/** The Argo CD health check the repository ships, in Argo CD's resource_customizations layout. */
export const argoHealthDir = path.join(__dirname, '../../config/argocd/helpers.dev/AppWithHelpers');

export interface Verdict {
  status: string;
  message: string;
}

/** kstatus as computed by Flux's fork (what Helm v4.3.1 uses) and by sigs.k8s.io/cli-utils. */
export interface KstatusResult {
  name: string;
  fluxcd: Verdict;
  sigs: Verdict;
}

/** kstatusOf computes kstatus for objects given as JSON (one object or a List). */
export async function kstatusOf(cluster: ControlPlane, json: string): Promise<KstatusResult[]> {
  const out = await runWithInput(cluster.binaries.kstatus, [], json);
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as KstatusResult);
}

/** argoHealthOf runs the shipped health.lua on one object (JSON) as Argo CD would. */
export async function argoHealthOf(cluster: ControlPlane, json: string): Promise<Verdict> {
  const out = await runWithInput(cluster.binaries.argocdLua, [path.join(argoHealthDir, 'health.lua')], json);
  const v = JSON.parse(out) as Partial<Verdict>;
  return { status: v.status ?? '', message: v.message ?? '' };
}

/** runArgoHealthTests runs health_test.yaml beside health.lua, as Argo CD's own test does. */
export function runArgoHealthTests(cluster: ControlPlane): Promise<string> {
  return runWithInput(cluster.binaries.argocdLua, ['--test', argoHealthDir], '');
}

function runWithInput(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${path.basename(command)}: ${stderr.trim() || stdout.trim() || err.message}`))
        : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}
