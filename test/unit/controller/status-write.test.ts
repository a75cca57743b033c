import { strict as assert } from 'node:assert';
import type { AppStatus } from '../../../src/api/status';
import {
  BUSY_STATUS_HOLD_MS,
  STATUS_HOLD_MS,
  statusWriteDecision,
  type StatusWrite,
  type StatusWriteInput,
} from '../../../src/controller/status-write';

const T = Date.parse('2030-01-01T00:00:00Z');

/** A status of the given phase, with the given condition types True. */
function status(phase: AppStatus['phase'], detail: string, ...trueConditions: string[]): AppStatus {
  return {
    phase,
    podStatus: detail,
    conditions: [
      {
        type: 'Ready',
        status: phase === 'Running' ? 'True' : 'False',
        reason: 'R',
        message: '',
        lastTransitionTime: '',
      },
      ...trueConditions.map((type) => ({
        type,
        status: 'True' as const,
        reason: type,
        message: '',
        lastTransitionTime: '',
      })),
    ],
  };
}

const starting = status('Initializing', 'Init:0/2');
const startingFurther = status('Initializing', 'Init:1/2');
const ready = status('Running', 'Running');
const stalled = status('Initializing', 'Init:1/2', 'Stalled');
const degraded = status('Degraded', 'Init:Error', 'Degraded');
const optionalFailing: AppStatus = {
  ...startingFurther,
  conditions: [
    ...startingFurther.conditions!,
    {
      type: 'SidecarsReady',
      status: 'False',
      reason: 'OptionalSidecarCrashLooping',
      message: '',
      lastTransitionTime: '',
    },
  ],
};
/** A step failed: Degraded, and its failure kept in the status. */
const stepFailed = (detail: string): AppStatus => ({
  ...status('Degraded', detail, 'Degraded'),
  initSteps: [{ name: 'migrate', state: 'Waiting', lastFailure: { reason: 'Error', exitCode: 1, pod: 'shop-0' } }],
});

/** In flux before and after, nothing else going on: the case every row changes one thing of. */
const base: StatusWriteInput = {
  status: startingFurther,
  stored: starting,
  cacheBehind: false,
  podsWritten: false,
  failed: false,
  heldSince: undefined,
  busy: false,
  now: T,
};

const table: Array<[string, Partial<StatusWriteInput>, StatusWrite]> = [
  ['nothing changed', { status: starting }, { kind: 'skip', why: 'unchanged' }],
  ['nothing changed, though held', { status: starting, heldSince: T - 100 }, { kind: 'skip', why: 'unchanged' }],
  ['the first status (kstatus reads none as Current)', { stored: undefined }, { kind: 'write' }],
  ['the first status, though the cache lags', { stored: undefined, cacheBehind: true }, { kind: 'write' }],
  ['the first status, though Pods were just written', { stored: {}, podsWritten: true }, { kind: 'write' }],
  ['the cache lags its own Pod writes', { cacheBehind: true, status: ready }, { kind: 'skip', why: 'cacheBehind' }],
  ['Pods just written: their events come', { podsWritten: true }, { kind: 'skip', why: 'podsWritten' }],
  ['Pods just written, one write failed', { podsWritten: true, failed: true, status: degraded }, { kind: 'write' }],
  [
    'Pods just written, a step failure not yet written (its Pod may be gone next pass)',
    { podsWritten: true, status: stepFailed('Init:Error') },
    { kind: 'write' },
  ],
  [
    'Pods just written, a step failure written before',
    { podsWritten: true, stored: stepFailed('Init:Error'), status: stepFailed('Init:0/2') },
    { kind: 'skip', why: 'podsWritten' },
  ],
  ['in flux: held', {}, { kind: 'hold', since: T, ms: STATUS_HOLD_MS }],
  ['in flux, held a while', { heldSince: T - 100 }, { kind: 'hold', since: T - 100, ms: STATUS_HOLD_MS - 100 }],
  ['in flux, held its time', { heldSince: T - STATUS_HOLD_MS }, { kind: 'write' }],
  ['in flux, busy: held longer', { busy: true }, { kind: 'hold', since: T, ms: BUSY_STATUS_HOLD_MS }],
  [
    'in flux, busy, held past the calm hold',
    { busy: true, heldSince: T - STATUS_HOLD_MS },
    { kind: 'hold', since: T - STATUS_HOLD_MS, ms: BUSY_STATUS_HOLD_MS - STATUS_HOLD_MS },
  ],
  ['in flux, busy, held its time', { busy: true, heldSince: T - BUSY_STATUS_HOLD_MS }, { kind: 'write' }],
  ['the first change after a settled status', { stored: ready, status: starting }, { kind: 'write' }],
  ['Ready', { status: ready }, { kind: 'write' }],
  ['Stalled', { status: stalled }, { kind: 'write' }],
  ['Degraded', { status: degraded }, { kind: 'write' }],
  ['an optional sidecar starts failing', { status: optionalFailing }, { kind: 'write' }],
];

describe('statusWriteDecision', () => {
  for (const [what, change, want] of table)
    it(`${what}: ${want.kind}${want.kind === 'skip' ? ` (${want.why})` : ''}`, () => {
      assert.deepEqual(statusWriteDecision({ ...base, ...change }), want);
    });
});
