// Loaded with `node --expose-gc --require` before the operator: on SIGUSR2 it collects garbage
// and logs the heap, so the benchmark and the soak can read heap-after-GC without an inspector.
// With HEAP_SNAPSHOT_DIR set it also writes a heap snapshot there each time (to find a leak:
// compare two with scripts/heap-diff.js).
const v8 = require('node:v8');
const path = require('node:path');
let n = 0;
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  const dir = process.env.HEAP_SNAPSHOT_DIR;
  const snapshot = dir
    ? v8.writeHeapSnapshot(path.join(dir, `operator-${process.pid}-${++n}.heapsnapshot`))
    : undefined;
  console.log(JSON.stringify({ message: 'heap', heapUsed: m.heapUsed, rss: m.rss, snapshot }));
});
