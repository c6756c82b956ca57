// Status: the engine now empties the young generation before each allocated window (c8f6c0d),
// so a scavenge rarely falls inside the window of a function that allocates little; this script
// shows the raw arithmetic, which is unchanged.
// Repro: the allocated probe (GCProfiler freed bytes + used_heap_size growth) sometimes over-reads
// by about one semi-space (~1 MB) when a scavenge falls inside the window, on a function that
// allocates almost nothing. Seen on early scavenges of a process: GCProfiler's afterGC
// usedHeapSize is ~1 MB below the used_heap_size read right after the window.
//   node test/bench/repro/allocated-scavenge.mjs      (same arithmetic as src/probes/allocated.ts)
import v8 from 'node:v8';

const fn = async () => {};
let windowsWithGc = 0;
for (let i = 0; i < 50_000; i++) {
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = v8.getHeapStatistics().used_heap_size;
  await fn();
  const after = v8.getHeapStatistics().used_heap_size;
  const data = profiler.stop();
  if (data.statistics.length === 0) continue;
  windowsWithGc++;
  let freed = 0;
  for (const gc of data.statistics)
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  const allocated = after - before + freed;
  if (allocated > 20_000) {
    const gc = data.statistics[0];
    console.log(
      `window ${i}: read ${allocated} B allocated by an empty async fn;`,
      `used before ${before}, after ${after}; ${gc.gcType}: usedHeapSize ${gc.beforeGC.heapStatistics.usedHeapSize} -> ${gc.afterGC.heapStatistics.usedHeapSize}`,
    );
  }
}
console.log(`${windowsWithGc} windows contained a GC`);
