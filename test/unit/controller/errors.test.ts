import { strict as assert } from 'node:assert';
import {
  errorKind,
  PermanentError,
  StatusWriteError,
  TransientError,
  type ErrorKind,
} from '../../../src/controller/errors';
import { ApiError } from '../../../src/k8s/api-error';
import { Metrics } from '../../../src/obs/metrics';

describe('errorKind', () => {
  const table: Array<[string, unknown, ErrorKind]> = [
    ['a Pod write refused for good', new PermanentError('pods "shop-0" is forbidden'), 'permanent'],
    [
      'a Pod write that may succeed later',
      new TransientError('FailedCreate', 'etcdserver: request timed out'),
      'transient',
    ],
    [
      'a status write without an answer',
      new StatusWriteError(new ApiError(0, 'Unreachable', 'connect ECONNREFUSED'), 20_050),
      'unreachable',
    ],
    [
      'a status write refused',
      new StatusWriteError(new ApiError(500, 'InternalError', 'etcdserver: request timed out')),
      'api',
    ],
    ['an API error thrown elsewhere', new ApiError(0, 'Closed', 'the client is closing'), 'unreachable'],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'spec')"), 'other'],
  ];
  for (const [what, err, kind] of table)
    it(`${what}: ${kind}`, () => {
      assert.equal(errorKind(err), kind);
    });

  it('labels the reconcile counter of errors only: outcomes keep their one label', async () => {
    const metrics = new Metrics();
    metrics.reconciles.inc({ result: 'updated' });
    metrics.reconciles.inc({ result: 'error', error: errorKind(new PermanentError('refused')) });
    const text = await metrics.registry.metrics();
    assert.match(text, /^appwithhelpers_reconcile_total\{result="updated"\} 1$/m);
    assert.match(text, /^appwithhelpers_reconcile_total\{result="error",error="permanent"\} 1$/m);
  });
});
