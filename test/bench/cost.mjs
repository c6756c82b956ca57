// Part "cost": what a verdict costs beyond the function itself.
// 1. Time to a verdict for a function of ~1 ms, ~10 ms and ~100 ms (CPU loops): a `duration`
//    budget at twice the median (passes) and at half of it (fails), and a count-only budget.
// 2. Probe overheads as ratios: the wall time of a measurement with one probe (or one budget
//    kind), per call of the function, over the direct call's time, for a ~100 µs and a ~1 ms
//    function. Rounds alternate direct calls and the measurement, and the ratio is per round.
// The matcher's own overhead per call for count-only, `allocated` and `eventLoopBlock` budgets on
// an empty function is part "overhead".
import { fmtMs, fmtNum, now, quantile, summary, table } from './util.mjs';
import { consume, cpuLoop } from './workloads.mjs';

export async function costPart(env) {
  const { dist, print, target, itersPerMs } = env;
  const { matchers, measure } = dist;
  const ctx = { isNot: false, currentTestName: 'bench' };
  const t0 = now();
  const loopOf = (ms) => {
    const iters = Math.max(1, Math.round(itersPerMs * ms));
    return () => consume(cpuLoop(iters));
  };

  // ── 1. Time to a verdict ──
  const verdictRows = [];
  const toVerdict = [];
  for (const [ms, reps] of [
    [1, 20],
    [10, 10],
    [100, 5],
  ]) {
    const fn = loopOf(ms);
    const median = (await measure(fn, { metrics: ['duration'] })).stats.duration.median;
    const budgets = [
      ['queries: 0 (count only)', { queries: 0 }, 'pass'],
      ['duration: 2 × median', { duration: median * 2 }, 'pass'],
      ['duration: median / 2', { duration: median / 2 }, 'fail'],
    ];
    for (const [label, budget, want] of budgets) {
      const walls = [];
      const calls = [];
      let ok = 0;
      for (let i = 0; i < reps; i++) {
        const w0 = now();
        const r = await matchers.toStayWithin.call(ctx, fn, budget, { explain: false });
        walls.push(now() - w0);
        calls.push(r.measurement.calls);
        if ((r.pass ? 'pass' : 'fail') === want) ok++;
      }
      const w = summary(walls);
      const c = summary(calls);
      toVerdict.push({ fnMs: ms, medianMs: median, budget: label, want, reps, ok, wallMs: w, calls: c });
      verdictRows.push([
        `~${ms} ms (median ${fmtMs(median)})`,
        label,
        `${ok}/${reps} ${want}`,
        `${fmtMs(w.median)} / ${fmtMs(w.max)}`,
        `${fmtNum(c.median)} / ${c.max}`,
        fmtNum(w.median / median, 1),
      ]);
    }
  }
  print(
    table(
      'Cost — time to a verdict (toStayWithin, default options, explain: false)',
      [
        'fn (CPU loop)',
        'budget',
        'verdicts',
        'verdict wall: median / max',
        'fn calls: median / max',
        'wall / fn median',
      ],
      verdictRows,
    ),
  );

  // ── 2. Probe overheads as ratios ──
  const probeSets = [
    ['counts only (metrics: [])', { metrics: [] }],
    ['allocated (first call, + 2 confirming calls)', { metrics: ['allocated'] }],
    ['eventLoopBlock (first call, + 2 confirming calls)', { metrics: ['eventLoopBlock'] }],
    ['duration (200 timed calls)', { metrics: ['duration'], iterations: 200, warmup: 0 }],
    ['cpu (200 timed calls)', { metrics: ['cpu'], iterations: 200, warmup: 0 }],
    ['duration + cpu (200 timed calls)', { metrics: ['duration', 'cpu'], iterations: 200, warmup: 0 }],
    ['retained (rounds of calls + full GCs)', { metrics: ['retained'] }],
  ];
  const ratioRows = [];
  const ratios = [];
  for (const fnUs of [100, 1000]) {
    const fn = loopOf(fnUs / 1000);
    for (const [label, options] of probeSets) {
      const perRound = [];
      let callsSeen = 0;
      const rounds = label.startsWith('retained') ? 5 : 21;
      for (let r = 0; r < rounds; r++) {
        // Direct: as many calls as the measurement makes (at least 20), timed as a batch.
        const m = await measure(fn, options);
        const perCallUs = (m.elapsedMs / m.calls) * 1000;
        callsSeen = m.calls;
        const n = Math.max(20, Math.min(m.calls, 400));
        const d0 = now();
        for (let i = 0; i < n; i++) fn();
        const directUs = ((now() - d0) / n) * 1000;
        perRound.push(perCallUs / directUs);
      }
      const ratio = quantile(perRound, 0.5);
      ratios.push({ fnUs, probe: label, ratio, perRound, calls: callsSeen });
      ratioRows.push([`~${fnUs} µs`, label, String(callsSeen), `${ratio.toFixed(3)}×`]);
    }
  }
  print(
    table(
      'Cost — probe overhead: wall time of measure(fn, options) per call of fn ÷ a direct call (median of rounds)',
      ['fn (CPU loop)', 'probe', 'calls', 'ratio'],
      ratioRows,
    ),
  );
  print(
    '  Per-call probes (allocated, eventLoopBlock) run on the first call only; their ratio is for a measurement of 1–3 calls.',
  );
  const countOnly1ms = toVerdict.find((x) => x.fnMs === 1 && x.budget.startsWith('queries'));
  target(
    countOnly1ms.wallMs.median - countOnly1ms.medianMs < 1,
    `cost: a count-only verdict on a ~1 ms function takes ${fmtMs(countOnly1ms.wallMs.median)} (fn ${fmtMs(countOnly1ms.medianMs)}; target: matcher adds < 1 ms)`,
  );
  print(`  (cost: ${((now() - t0) / 1000).toFixed(1)} s)`);
  return { toVerdict, probeRatios: ratios };
}
