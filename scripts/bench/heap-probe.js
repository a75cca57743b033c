// Loaded with `node --expose-gc --require` before the built operator: on SIGUSR2 it collects
// garbage and logs the heap, so the benchmark can read heap-after-GC without an inspector.
process.on('SIGUSR2', () => {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  console.log(JSON.stringify({ message: 'heap', heapUsed: m.heapUsed, rss: m.rss }));
});
