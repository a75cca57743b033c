import { parseAllDocuments } from 'yaml';
import { nodeLabels, nodeTaint } from './configs';

/** The podTemplate.spec fields that put an AppWithHelpers' Pods on the real node, and only there. */
export const realNodePlacement = {
  nodeSelector: { 'helpers.dev/real-node': nodeLabels['helpers.dev/real-node'] },
  tolerations: [{ key: nodeTaint.key, operator: 'Exists', effect: nodeTaint.effect }],
};

/** onRealNode rewrites AppWithHelpers manifests (YAML, one or more documents) to run on the real node. */
export function onRealNode(manifests: string): string {
  return parseAllDocuments(manifests)
    .map((doc) => {
      const app = doc.toJS();
      app.spec.podTemplate ??= {};
      app.spec.podTemplate.spec = { ...app.spec.podTemplate.spec, ...realNodePlacement };
      return JSON.stringify(app);
    })
    .join('\n---\n');
}
