import { strict as assert } from 'node:assert';
import { BASE, longSubjects, MAX_SUBJECT, parseLog, subjectLength } from '../../scripts/check-commits';

describe('check:commits', () => {
  const hash = (n: number) => String(n).repeat(40).slice(0, 40);
  const subject = (length: number) => 'x'.repeat(length);

  it('passes subjects of up to 72 characters and names each longer one with its length', () => {
    const commits = [
      { hash: hash(1), subject: subject(72) },
      { hash: hash(2), subject: subject(73) },
      { hash: hash(3), subject: 'Short and to the point' },
      { hash: hash(4), subject: subject(120) },
    ];
    assert.equal(MAX_SUBJECT, 72);
    assert.deepEqual(longSubjects(commits), [
      `2222222222 (73 > 72 characters): ${subject(73)}`,
      `4444444444 (120 > 72 characters): ${subject(120)}`,
    ]);
    assert.deepEqual(longSubjects([]), []);
  });

  it('counts characters, not UTF-16 units: an arrow or an emoji is one', () => {
    const arrows = 'Auto→Native '.repeat(6); // 72 characters
    assert.equal(subjectLength(arrows), 72);
    assert.deepEqual(longSubjects([{ hash: hash(5), subject: arrows }]), []);
    assert.equal(subjectLength('🙂'), 1);
  });

  it('reads git log lines of hash and subject, tabs in the subject kept', () => {
    const out = `${hash(1)}\tAdd LICENSE\n${hash(2)}\tA subject\twith a tab\n\n`;
    assert.deepEqual(parseLog(out), [
      { hash: hash(1), subject: 'Add LICENSE' },
      { hash: hash(2), subject: 'A subject\twith a tab' },
    ]);
    assert.deepEqual(parseLog(''), []);
  });

  it('starts after a full commit hash', () => assert.match(BASE, /^[0-9a-f]{40}$/));
});
