import { readFileSync } from 'node:fs';

const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const REVIEWS = new Set(['selfsubjectaccessreviews', 'selfsubjectreviews']);

export interface AuditCount {
  total: number;
  byResource: Record<string, number>;
}

/** countWrites counts the writes the API server audited for a user in [from, to). */
export function countWrites(file: string, user: string, from: Date, to: Date = new Date(8640000000000000)): AuditCount {
  const count: AuditCount = { total: 0, byResource: {} };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line || !line.includes(user)) continue;
    const e = JSON.parse(line) as {
      stage: string;
      verb: string;
      user: { username: string };
      requestReceivedTimestamp: string;
      objectRef?: { resource?: string; subresource?: string };
    };
    if (e.stage !== 'ResponseComplete' || e.user.username !== user || !WRITES.has(e.verb)) continue;
    if (REVIEWS.has(e.objectRef?.resource ?? '')) continue; // a review is a question: nothing is stored
    const at = Date.parse(e.requestReceivedTimestamp);
    if (at < from.getTime() || at >= to.getTime()) continue;
    const what = `${e.verb} ${e.objectRef?.resource ?? '?'}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;
    count.total++;
    count.byResource[what] = (count.byResource[what] ?? 0) + 1;
  }
  return count;
}
