import { strict as assert } from 'node:assert';
import { renderSpec, SpecMemo } from '../../../src/controller/spec-memo';
import { anApp, options } from '../../fixtures';

describe('SpecMemo', () => {
  it('renders what reconcile would render anew, once per uid and generation', () => {
    const memo = new SpecMemo();
    const app = anApp().withStep('setup').withSidecar('log').object();
    const first = memo.get(app, options);
    assert.deepEqual(first, renderSpec(app, options));
    assert.equal(first.template!.hash, anApp().withStep('setup').withSidecar('log').template().hash);
    // A new object for the same generation (a status change came by watch) is the same spec.
    assert.equal(memo.get(structuredClone(app), options), first);
    const changed = {
      ...app,
      metadata: { ...app.metadata, generation: 2 },
      spec: { ...(app.spec as object), replicas: 3 },
    };
    assert.notEqual(memo.get(changed, options), first);
  });

  it('keeps an invalid spec as invalid', () => {
    const app = anApp()
      .with({ app: { name: 'Bad_Name', image: 'nginx' } })
      .object();
    const r = new SpecMemo().get(app, options);
    assert.equal(r.parsed.ok, false);
    assert.equal(r.template, undefined);
  });

  it('holds the last `max` apps only, and renders anew what has no uid or generation', () => {
    const memo = new SpecMemo(2);
    const app = anApp().object();
    for (const uid of ['a', 'b', 'c']) memo.get({ ...app, metadata: { ...app.metadata, uid } }, options);
    assert.equal(memo.size, 2);
    memo.get({ ...app, metadata: { ...app.metadata, generation: undefined } }, options);
    assert.equal(memo.size, 2);
  });
});
