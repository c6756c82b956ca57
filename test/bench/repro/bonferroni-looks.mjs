// Status: capped in c8f6c0d (mayLookAgain: at most MAX_LOOKS - 1 interim looks + the final one).
// This script still counts the schedule points a fast function passes, which is how many looks
// the engine took before the cap.
// Repro: the sequential schedule takes more looks than MAX_LOOKS (24), so the Bonferroni
// correction (alpha / 24 per look) no longer bounds the error over all looks. A fast function
// whose median sits on the limit samples until maxTime: 16·1.5^k reaches ~800,000 samples, i.e.
// 27 scheduled looks plus the final judgement at maxTime = 28 looks at alpha/24 each.
//   npm run build && node test/bench/repro/bonferroni-looks.mjs
const { matchers } = await import('../../../dist/index.js');
const ctx = { isNot: false, currentTestName: 'repro' };
let k = 0;
const out = { sink: 0 };
// Half the calls ~0.1 µs, half ~1.4 µs: the median sits between them, on the 1 µs limit.
const fn = () => {
  if (k++ & 1) {
    let s = 0;
    for (let i = 0; i < 3000; i++) s += i;
    out.sink ^= s;
  }
};
console.warn = () => {};
const r = await matchers.toStayWithin.call(ctx, fn, { duration: '0.001ms' }, { explain: false });
const n = r.measurement.samples.durationMs.length;
let look = 16;
let looks = 0;
while (look <= n) {
  looks++;
  look = Math.ceil(look * 1.5);
}
console.log(
  `samples ${n}, stopped by ${r.measurement.stoppedBy}: ${looks} schedule points passed + 1 final = ${looks + 1} looks without the cap (MAX_LOOKS = 24)`,
);
