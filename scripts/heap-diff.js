// node scripts/heap-diff.js A.heapsnapshot B.heapsnapshot: what grew from A to B, by constructor
// (count and self size), biggest growth first. For finding what a soak's growing heap holds.
const fs = require('node:fs');

function summarize(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const by = new Map();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const key = `${types[snap.nodes[i + typeAt]]}:${snap.strings[snap.nodes[i + nameAt]].slice(0, 60)}`;
    const e = by.get(key) ?? { count: 0, size: 0 };
    e.count++;
    e.size += snap.nodes[i + sizeAt];
    by.set(key, e);
  }
  return by;
}

const [a, b] = process.argv.slice(2).map(summarize);
const rows = [...b]
  .map(([k, v]) => ({ k, dc: v.count - (a.get(k)?.count ?? 0), ds: v.size - (a.get(k)?.size ?? 0) }))
  .filter((r) => r.ds !== 0)
  .sort((x, y) => y.ds - x.ds)
  .slice(0, 40);
for (const r of rows) console.log(`${String(r.ds).padStart(10)} B ${String(r.dc).padStart(7)}  ${r.k}`);
