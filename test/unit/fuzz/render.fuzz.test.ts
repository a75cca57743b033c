import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_SLOT } from '../../../src/api/constants';
import { parseSpec } from '../../../src/api/validation/parse-spec';
import { planPods } from '../../../src/core/plan';
import { isTerminating, slotOf, templateHashOf } from '../../../src/core/pod-facts';
import { renderPodTemplate, type RenderOptions } from '../../../src/core/render';
import { appName, fuzzParams, validSpec, world } from '../../arbitraries';
import { NOW } from '../../fixtures';
import { checkChain, reversedKeys } from './chain';

const serverVersion = fc.option(
  fc.integer({ min: 25, max: 36 }).map((minor) => ({ major: 1, minor })),
  { nil: undefined },
);

describe('fuzz: rendering and planning', () => {
  it('renders every valid spec into the documented Pod, deterministically, one per slot', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(appName, validSpec, serverVersion, (name, raw, version) => {
        const render: RenderOptions = { helperImage: 'busybox:1.36', ...(version ? { serverVersion: version } : {}) };
        const parsed = parseSpec(raw);
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('; '));
        const { hash } = checkChain(name, parsed.spec, render);
        // The same spec written with its keys in another order is the same Pod.
        const reordered = parseSpec(reversedKeys(raw));
        assert.ok(reordered.ok);
        assert.equal(
          renderPodTemplate({ name, namespace: 'ns', uid: 'uid-1' }, reordered.spec, render).hash,
          hash,
          'key order changed the template hash',
        );
        // A new app image is a new template.
        const changed = parseSpec({
          ...(raw as object),
          app: { ...(raw as { app: object }).app, image: `${parsed.spec.app.image}-next` },
        });
        assert.ok(changed.ok);
        assert.notEqual(
          renderPodTemplate({ name, namespace: 'ns', uid: 'uid-1' }, changed.spec, render).hash,
          hash,
          'a new image kept the hash',
        );
      }),
      fuzzParams(2_500),
    );
  });

  it('plans from any Pods to exactly one current Pod per slot, within a few passes', function () {
    this.timeout(60_000);
    fc.assert(
      fc.property(world, (w) => {
        const { spec, template, hash, name } = w;
        const recreate = spec.updateStrategy?.type === 'Recreate';
        let pods: V1Pod[] = w.pods;
        const ready = (p: V1Pod): V1Pod => ({
          ...p,
          status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
        });
        for (let pass = 0; ; pass++) {
          assert.ok(
            pass <= spec.replicas + 3,
            `no fixed point after ${pass} passes; Pods: ${pods.map((p) => p.metadata!.name).join(', ')}`,
          );
          // now: steps past their timeoutSeconds are replaced, Pods out of retries kept; both still one Pod per slot.
          const actions = planPods({ appName: name, spec, pods, template, hash, now: NOW });
          const live = new Set(pods.filter((p) => !isTerminating(p)).map((p) => p.metadata!.name));
          const deletes = actions.flatMap((a) => (a.kind === 'delete' ? [a.name] : []));
          const creates = actions.flatMap((a) => (a.kind === 'create' ? [a] : []));
          assert.ok(
            deletes.every((d) => live.has(d)),
            `deletes a Pod that is not live: ${deletes.join(', ')}`,
          );
          assert.equal(new Set(deletes).size, deletes.length, 'deletes a Pod twice');
          const names = creates.map((c) => c.pod.metadata!.name!);
          assert.equal(
            new Set([...names, ...pods.map((p) => p.metadata!.name)]).size,
            names.length + new Set(pods.map((p) => p.metadata!.name)).size,
            'creates a name that is taken',
          );
          for (const c of creates) {
            assert.equal(templateHashOf(c.pod), hash);
            const slot = Number(c.pod.metadata!.annotations![ANNOTATION_SLOT]);
            assert.ok(slot >= 0 && slot < spec.replicas, `slot ${slot} of ${spec.replicas}`);
          }
          if (!recreate)
            assert.ok(
              creates.filter((c) => c.reason === 'Surge').length <= 1,
              'RollingUpdate surges by one Pod at most',
            );
          if (!actions.length && pods.every((p) => !isTerminating(p))) break;
          // The world moves on: deleted and terminating Pods go, created ones start, every Pod becomes ready.
          pods = [
            ...pods.filter((p) => !isTerminating(p) && !deletes.includes(p.metadata!.name!)),
            ...creates.map((c) => c.pod),
          ].map(ready);
        }
        assert.deepEqual(
          pods.map(slotOf).sort(),
          Array.from({ length: spec.replicas }, (_, i) => i),
          'one Pod per slot',
        );
        assert.ok(
          pods.every((p) => templateHashOf(p) === hash),
          'every Pod has the current template',
        );
      }),
      fuzzParams(1_000),
    );
  });
});
