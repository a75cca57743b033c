import { strict as assert } from 'node:assert';
import {
  CLIENT_GO_DEFAULTS,
  COMBINED_PREFIX,
  EventCorrelator,
  type EventDecision,
  type EventFacts,
} from '../../../src/k8s/event-correlator';
import { NOW } from '../../fixtures';

const subject = { uid: 'uid-1', kind: 'AppWithHelpers', namespace: 'ns', name: 'shop' };
const warning = (reason: string, message: string, name = 'shop'): EventFacts => ({
  subject: { ...subject, name, uid: `uid-${name}` },
  type: 'Warning',
  reason,
  message,
});
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

/** sendAll correlates each event at its time and plays the API server: every create gets a name. */
function sendAll(correlator: EventCorrelator, events: Array<[seconds: number, EventFacts]>): string[] {
  let made = 0;
  return events.map(([seconds, event]) => {
    const d: EventDecision = correlator.correlate(event, at(seconds));
    if (d.action === 'create') {
      correlator.observe(d.key, { name: `e${++made}`, count: 1, firstTimestamp: at(seconds).toISOString() });
      return `create e${made}: ${d.message}`;
    }
    if (d.action === 'patch') {
      correlator.observe(d.key, { name: d.name, count: d.count, firstTimestamp: d.firstTimestamp });
      return `patch ${d.name} count ${d.count}`;
    }
    return 'skip';
  });
}

describe('EventCorrelator (client-go core/v1 recorder rules)', () => {
  const cases: Array<{ name: string; events: Array<[number, EventFacts]>; want: string[] }> = [
    {
      name: 'a repeat of reason and message patches the count of the first',
      events: [
        [0, warning('InitStepCrashLooping', 'step 1/1 migrate keeps failing (exit code 3)')],
        [30, warning('InitStepCrashLooping', 'step 1/1 migrate keeps failing (exit code 3)')],
        [60, warning('InitStepCrashLooping', 'step 1/1 migrate keeps failing (exit code 3)')],
      ],
      want: ['create e1: step 1/1 migrate keeps failing (exit code 3)', 'patch e1 count 2', 'patch e1 count 3'],
    },
    {
      name: 'another message or reason is another Event',
      events: [
        [0, warning('InitStepFailed', 'step 1/1 migrate failed')],
        [1, warning('InitStepCrashLooping', 'step 1/1 migrate keeps failing')],
        [2, warning('InitStepFailed', 'step 1/1 migrate failed')],
      ],
      want: ['create e1: step 1/1 migrate failed', 'create e2: step 1/1 migrate keeps failing', 'patch e1 count 2'],
    },
    {
      name: 'another object is another Event',
      events: [
        [0, warning('InvalidSpec', 'bad', 'a')],
        [0, warning('InvalidSpec', 'bad', 'b')],
      ],
      want: ['create e1: bad', 'create e2: bad'],
    },
    {
      name: 'the 10th different message of one reason within 10 minutes is combined, and later ones patch it',
      events: [
        ...Array.from({ length: 9 }, (_, i): [number, EventFacts] => [i, warning('FailedCreate', `quota ${i}`)]),
        [9, warning('FailedCreate', 'quota 9')],
        [10, warning('FailedCreate', 'quota 10')],
      ],
      want: [
        ...Array.from({ length: 9 }, (_, i) => `create e${i + 1}: quota ${i}`),
        `create e10: ${COMBINED_PREFIX}quota 9`,
        'patch e10 count 2',
      ],
    },
    {
      name: 'different messages more than 10 minutes apart are never combined',
      events: Array.from({ length: 11 }, (_, i): [number, EventFacts] => [i * 601, warning('FailedCreate', `q${i}`)]),
      want: Array.from({ length: 11 }, (_, i) => `create e${i + 1}: q${i}`),
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(sendAll(new EventCorrelator(), c.events), c.want);
    });

  it('lets 25 Events of one object through at once, then one per 5 minutes', () => {
    const correlator = new EventCorrelator();
    const burst = Array.from({ length: 30 }, (_, i): [number, EventFacts] => [0, warning('R', `m${i % 5}`)]);
    const out = sendAll(correlator, burst);
    assert.equal(out.filter((o) => o !== 'skip').length, 25);
    assert.deepEqual(sendAll(correlator, [[299, warning('R', 'm0')]]), ['skip']);
    assert.notDeepEqual(sendAll(correlator, [[301, warning('R', 'm0')]]), ['skip']);
    assert.notDeepEqual(
      sendAll(correlator, [[0, warning('R', 'm0', 'other')]]),
      ['skip'],
      'other objects have their own',
    );
  });

  it('creates again after forget (the Event expired on the server)', () => {
    const correlator = new EventCorrelator();
    const d = correlator.correlate(warning('R', 'm'), NOW);
    assert.equal(d.action, 'create');
    correlator.observe(d.action === 'create' ? d.key : '', { name: 'e1', count: 1, firstTimestamp: NOW.toISOString() });
    correlator.forget(d.action === 'create' ? d.key : '');
    assert.equal(correlator.correlate(warning('R', 'm'), at(1)).action, 'create');
  });

  it('keeps at most maxEntries keys', () => {
    const correlator = new EventCorrelator({ ...CLIENT_GO_DEFAULTS, maxEntries: 2 });
    sendAll(correlator, [
      [0, warning('R', 'm', 'a')],
      [0, warning('R', 'm', 'b')],
      [0, warning('R', 'm', 'c')],
    ]);
    assert.equal(correlator.correlate(warning('R', 'm', 'a'), at(1)).action, 'create', 'a was evicted');
    assert.equal(correlator.correlate(warning('R', 'm', 'c'), at(1)).action, 'patch');
  });
});
