/**
 * R5: every Pod rendered from a spec the operator accepts is accepted by the real API server.
 * A fixed sample of random valid specs (test/arbitraries/) is rendered as the reconciler does
 * and sent with server-side dry run: validation and admission run, nothing is stored. Strict
 * field validation also catches a field of ours (waitFor, startBeforeInitSteps) leaking into a Pod.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import fc from 'fast-check';
import type { V1Pod } from '@kubernetes/client-node';
import { parseSpec } from '../../src/api/validation/parse-spec';
import { renderPod, renderPodTemplate, type RenderOptions } from '../../src/core/render';
import type { ControlPlane } from '../../hack/cluster/control-plane';
import { appName, FUZZ_SEED, validSpec } from '../arbitraries';
import { testCluster } from './cluster-hooks';
import { createNamespace } from './kube-helpers';

const SAMPLE = Number(process.env.DRY_RUN_SAMPLE ?? 500);
const CONCURRENCY = 16;
const ns = 'dry-run';

interface Answer {
  code: number;
  body: string;
  warnings: string[];
}

function dryRunCreate(cluster: ControlPlane, agent: https.Agent, pod: V1Pod): Promise<Answer> {
  const body = JSON.stringify(pod);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        agent,
        method: 'POST',
        host: '127.0.0.1',
        port: cluster.apiserverPort,
        path: `/api/v1/namespaces/${ns}/pods?dryRun=All&fieldValidation=Strict`,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const warning = res.headers.warning;
          const header = Array.isArray(warning) ? warning.join(', ') : (warning ?? '');
          resolve({
            code: res.statusCode ?? 0,
            body: text,
            warnings: [...header.matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\"/g, '"')),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Renders a sample case as the reconciler does; every fourth with an unknown server version (Auto → Classic). */
function renderCase([name, spec, slot]: [string, unknown, number], i: number): V1Pod {
  const parsed = parseSpec(spec);
  assert.ok(
    parsed.ok,
    `sample ${i}: validSpec made a spec parseSpec refuses: ${parsed.ok ? '' : parsed.errors.join('; ')}\n${JSON.stringify(spec)}`,
  );
  const options: RenderOptions = {
    helperImage: 'busybox:1.36',
    ...(i % 4 === 3 ? {} : { serverVersion: { major: 1, minor: 36 } }),
  };
  const { pod, hash } = renderPodTemplate(
    { name, namespace: ns, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
    parsed.spec,
    options,
  );
  return renderPod(pod, name, hash, slot);
}

describe('Pods rendered from random valid specs, on the real API server', () => {
  before(async () => createNamespace(testCluster(), ns));

  it(`accepts every one of a fixed sample of ${SAMPLE} (server-side dry run, strict field validation)`, async function () {
    this.timeout(180_000);
    const cluster = testCluster();
    const cases = fc.sample(fc.tuple(appName, validSpec, fc.nat(3)), { numRuns: SAMPLE, seed: FUZZ_SEED });
    const pods = cases.map(renderCase);
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: CONCURRENCY,
      ca: readFileSync(cluster.pki.caCert),
      cert: readFileSync(cluster.pki.adminCert),
      key: readFileSync(cluster.pki.adminKey),
    });
    const answers: Answer[] = new Array(pods.length);
    let next = 0;
    const t0 = Date.now();
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < pods.length; i = next++) answers[i] = await dryRunCreate(cluster, agent, pods[i]);
        }),
      );
    } finally {
      agent.destroy();
    }
    const accepted = answers.filter((a) => a.code === 201).length;
    // Warnings do not refuse a Pod; they are listed (once each, indexes and names elided) for a person to judge.
    const warnings = [
      ...new Set(
        answers.flatMap((a) => a.warnings.map((w) => w.replace(/\[\d+\]/g, '[*]').replace(/"[^"]*"/g, '"…"'))),
      ),
    ];
    console.log(
      `      ${accepted}/${pods.length} accepted in ${Date.now() - t0} ms${warnings.map((w) => `\n      warning: ${w}`).join('')}`,
    );

    const refused = answers.map((a, i) => ({ a, i })).filter(({ a }) => a.code !== 201);
    const messages = refused.map(({ a }) => {
      try {
        return JSON.parse(a.body).message as string;
      } catch {
        return a.body;
      }
    });
    assert.equal(
      refused.length,
      0,
      `${refused.length} of ${pods.length} Pods refused (seed ${FUZZ_SEED}); first ones:\n` +
        refused
          .slice(0, 5)
          .map(({ a, i }, j) => `--- sample ${i}: HTTP ${a.code}: ${messages[j]}\nspec: ${JSON.stringify(cases[i][1])}`)
          .join('\n'),
    );
  });
});
