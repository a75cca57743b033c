import { ApiError } from './api-error';
import type { KubeHttp } from './http';

/** One right the operator needs, as RBAC states it. */
export interface Right {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  /** Unset: every namespace (a ClusterRole). */
  namespace?: string;
}

/**
 * rightsNeeded lists every right the operator uses, and nothing more: the chart's RBAC grants
 * exactly these (a unit test holds the two together).
 */
export function rightsNeeded(namespaces: string[], lease?: { namespace: string }): Right[] {
  const scopes: Array<string | undefined> = namespaces.length ? namespaces : [undefined];
  const rights: Right[] = [];
  for (const namespace of scopes) {
    for (const verb of ['list', 'watch'])
      rights.push({ group: 'helpers.dev', resource: 'appwithhelpers', verb, namespace });
    rights.push({ group: 'helpers.dev', resource: 'appwithhelpers', subresource: 'status', verb: 'patch', namespace });
    for (const verb of ['list', 'watch', 'create', 'delete'])
      rights.push({ group: '', resource: 'pods', verb, namespace });
    // patch: a repeated Event raises the count of the one made before (client-go's recorder does the same).
    for (const verb of ['create', 'patch']) rights.push({ group: '', resource: 'events', verb, namespace });
  }
  if (lease)
    for (const verb of ['get', 'create', 'update'])
      rights.push({ group: 'coordination.k8s.io', resource: 'leases', verb, namespace: lease.namespace });
  return rights;
}

export function describeRight(r: Right): string {
  const what = `${r.resource}${r.subresource ? `/${r.subresource}` : ''}${r.group ? `.${r.group}` : ''}`;
  return `${r.verb} ${what} ${r.namespace ? `in namespace ${r.namespace}` : 'in all namespaces'}`;
}

interface AccessReview {
  status?: { allowed?: boolean };
}

/**
 * missingRights asks the API server (SelfSubjectAccessReview, which every signed-in user may
 * create) which of the rights the kubeconfig's user lacks. Without this, a user without rights
 * would see an operator that starts, retries 403s forever and never says why.
 */
export async function missingRights(http: KubeHttp, rights: Right[]): Promise<Right[]> {
  const answers = await Promise.all(
    rights.map(async (r) => {
      const review = await http.request<AccessReview>(
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              group: r.group,
              resource: r.resource,
              subresource: r.subresource,
              verb: r.verb,
              namespace: r.namespace,
            },
          },
        },
      );
      return review.status?.allowed ? undefined : r;
    }),
  );
  return answers.filter((r): r is Right => !!r);
}

/** whoAmI names the kubeconfig's user as the API server sees it, for error messages. */
export async function whoAmI(http: KubeHttp): Promise<string> {
  try {
    const review = await http.request<{ status?: { userInfo?: { username?: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      },
    );
    return review.status?.userInfo?.username ?? "the kubeconfig's user";
  } catch {
    return "the kubeconfig's user";
  }
}

/**
 * checkAccess throws one readable error naming the first missing rights, or a refused login.
 * It cannot check (and lets start-up go on) only when the review API itself is forbidden.
 */
export async function checkAccess(http: KubeHttp, rights: Right[]): Promise<void> {
  let missing: Right[];
  try {
    missing = await missingRights(http, rights);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      throw new Error(
        "the API server refused the kubeconfig's credentials (401 Unauthorized): check its token or client certificate",
        { cause: err },
      );
    }
    if (err instanceof ApiError && err.status === 403) return;
    throw err;
  }
  if (!missing.length) return;
  const who = await whoAmI(http);
  const shown = missing.slice(0, 3).map(describeRight).join('; ');
  const more = missing.length > 3 ? ` (and ${missing.length - 3} more)` : '';
  throw new Error(
    `${who} may not ${shown}${more}: grant the operator's RBAC (the Helm chart's ClusterRole and Role) to this identity`,
  );
}
