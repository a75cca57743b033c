import { ApiError } from '../k8s/api-error';
import { checkAccess, rightsNeeded } from '../k8s/access';
import { KubeClient } from '../k8s/client';
import type { KubeHttp } from '../k8s/http';
import type { Logger } from '../obs/logger';

export type ServerVersion = Awaited<ReturnType<KubeClient['serverVersion']>>;

/**
 * preflight meets the API server and checks every right the operator will use, so a wrong
 * kubeconfig ends start-up with one clear error instead of 403s retried forever.
 */
export async function preflight(
  http: KubeHttp,
  namespaces: string[],
  lease: { namespace: string } | undefined,
  log: Logger,
): Promise<ServerVersion> {
  const version = await new KubeClient(http).serverVersion().catch((err) => {
    if (err instanceof ApiError && err.status === 401)
      throw new Error(
        `the API server at ${http.server} refused the kubeconfig's credentials (401 Unauthorized): check its token or client certificate`,
        { cause: err },
      );
    throw err;
  });
  log.info('connected', { server: http.server, kubernetes: version.gitVersion });
  await checkAccess(http, rightsNeeded(namespaces, lease));
  return version;
}
