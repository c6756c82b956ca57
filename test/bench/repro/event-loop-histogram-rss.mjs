// Status: fixed in c8f6c0d (one histogram per process); kept as a regression check.
// Repro: every measurement with an eventLoopBlock budget creates a new monitorEventLoopDelay
// histogram (EventLoopProbe.enable()); its native memory (~370 kB once reset() has touched it) is
// invisible to V8, so nothing triggers the GC that would free it. RSS grows by ~370 kB per
// matcher call, and the call cost rises from ~0.2 ms to ~1 ms once RSS is ~1 GB.
//   npm run build && node --expose-gc test/bench/repro/event-loop-histogram-rss.mjs
const { matchers } = await import('../../../dist/index.js');
const ctx = { isNot: false, currentTestName: 'repro' };
const rss = () => `${(process.memoryUsage.rss() / 1e6).toFixed(0)} MB`;
console.log('start', rss());
const t = performance.now();
for (let i = 0; i < 3000; i++) await matchers.toStayWithin.call(ctx, () => {}, { eventLoopBlock: '5ms' });
console.log(
  `after 3000 matcher calls: RSS ${rss()}, JS heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(1)} MB,`,
  `${((performance.now() - t) / 3000).toFixed(3)} ms per call`,
);
if (globalThis.gc) {
  for (let k = 0; k < 5; k++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log('after 5 full GCs', rss());
}
