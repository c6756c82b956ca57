// toScale on time, under load: a linear function must never be reported worse than linear, and a
// quadratic one must be caught. `npm run build && node test/bench/scale.mjs [runs]`.
import { spawn } from 'node:child_process';

const { matchers } = await import('../../dist/index.js');
const runs = Number(process.argv[2] ?? 100);
const ctx = { isNot: false, currentTestName: 'bench' };
console.warn = () => {};

const input = (n) => Array.from({ length: n }, (_, i) => (i * 7919) % n);
const linear = (xs) => {
  const seen = new Set();
  for (const x of xs) seen.add(x);
  return seen.size;
};
const quadratic = (xs) => {
  let c = 0;
  for (let i = 0; i < xs.length; i++) for (let j = 0; j < i; j++) if (xs[i] === xs[j]) c++;
  return c;
};

// A second process keeps both cores busy (two spinning threads) for the whole run; it exits on
// its own after 15 minutes if this one dies without killing it.
const spin = 'const end = Date.now() + 900e3; while (Date.now() < end) {}';
const loader = spawn(
  process.execPath,
  ['-e', `new (require('node:worker_threads').Worker)(${JSON.stringify(spin)}, { eval: true }); ${spin}`],
  { stdio: 'ignore' },
);
const stop = () => loader.kill('SIGKILL');
process.on('exit', stop);

const tally = async (name, fn) => {
  const counts = { pass: 0, fail: 0, inconclusive: 0 };
  const walls = [];
  const ks = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await matchers.toScale.call(ctx, fn, { input, duration: 'linear' }, { inconclusive: 'fail' });
    walls.push(performance.now() - t);
    const text = r.message();
    const k = Number(/k = ([\d.-]+)/.exec(text)?.[1]);
    ks.push(k);
    if (r.pass) counts.pass++;
    else if (/\? duration/.test(text)) counts.inconclusive++;
    else counts.fail++;
  }
  walls.sort((a, b) => a - b);
  ks.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(10)} pass ${counts.pass}  fail ${counts.fail}  inconclusive ${counts.inconclusive}  ` +
      `k min/median/max ${ks[0].toFixed(2)}/${ks[Math.floor(runs / 2)].toFixed(2)}/${ks[runs - 1].toFixed(2)}  ` +
      `verdict ms median/max ${walls[Math.floor(runs / 2)].toFixed(0)}/${walls[runs - 1].toFixed(0)}`,
  );
  return counts;
};

try {
  console.log(
    `toScale({ duration: 'linear' }), ${runs} verdicts each, both cores kept busy by a second process`,
  );
  const lin = await tally('linear', linear);
  const quad = await tally('quadratic', quadratic);
  console.log(
    `targets: linear never worse than linear: ${lin.fail === 0 ? 'ok' : 'MISSED'}; quadratic caught in >= 99%: ${quad.fail >= runs * 0.99 ? 'ok' : 'MISSED'}`,
  );
  // Contention: a handler awaiting a shared mutex around a 5 ms downstream, and the same without.
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  let tail = Promise.resolve();
  const locked = async () => {
    const previous = tail;
    let release = () => {};
    tail = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      await sleep(5);
    } finally {
      release();
    }
  };
  const free = () => sleep(5);
  const contentionRuns = Math.max(5, Math.round(runs / 5));
  const contention = async (name, fn) => {
    const counts = { pass: 0, fail: 0, inconclusive: 0 };
    for (let i = 0; i < contentionRuns; i++) {
      const r = await matchers.toScale.call(
        ctx,
        fn,
        { concurrency: [1, 4, 16, 64], duration: 'constant' },
        { inconclusive: 'fail' },
      );
      const text = r.message();
      if (r.pass) counts.pass++;
      else if (/undecided/.test(text)) counts.inconclusive++;
      else counts.fail++;
    }
    console.log(
      `${name.padEnd(10)} pass ${counts.pass}  fail ${counts.fail}  inconclusive ${counts.inconclusive}  (concurrency 1/4/16/64 against 'constant')`,
    );
    return counts;
  };
  const f = await contention('no mutex', free);
  const l = await contention('mutex', locked);
  console.log(
    `targets: contention caught every time: ${l.fail === contentionRuns ? 'ok' : 'MISSED'}; no mutex never caught: ${f.fail === 0 ? 'ok' : 'MISSED'}`,
  );
} finally {
  stop();
}
