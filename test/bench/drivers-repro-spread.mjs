// Repro: on Node 20 (V8 11.3), an object built as `{ ...input, id, startMs }` — how record()
// builds every event — is slow to build and slow to extend: each property added after the spread
// (and `endMs`, added later by `end()`) goes through a slow path, about 1 µs each. Building the
// copy with Object.assign and adding the properties afterwards is 10–20× cheaper.
//
//   node test/bench/drivers-repro-spread.mjs
import { performance } from 'node:perf_hooks';

const N = 200_000;
let sink;
// A fresh input per call, as the integrations pass one (`record({ kind: 'query', … })`).
const input = (i) => ({ kind: 'query', system: 'sqlite', statement: `SELECT ${i & 7}`, source: 'bench' });
const cases = {
  '{ ...input, id, startMs } then .endMs =': (i) => {
    const e = { ...input(i), id: i, startMs: 1 };
    e.endMs = 2;
    sink = e;
  },
  'Object.assign({}, input); .id, .startMs, .endMs =': (i) => {
    const e = Object.assign({}, input(i));
    e.id = i;
    e.startMs = 1;
    e.endMs = 2;
    sink = e;
  },
  '{ id, startMs, ...input } then .endMs =': (i) => {
    const e = { id: i, startMs: 1, ...input(i) };
    e.endMs = 2;
    sink = e;
  },
  'the input alone (allocation floor)': (i) => {
    sink = input(i);
  },
};
console.log(
  `Node ${process.version} (V8 ${process.versions.v8}), ${N.toLocaleString('en')} events per case, best of 5:`,
);
for (const [label, f] of Object.entries(cases)) {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < N; i++) f(i);
    best = Math.min(best, ((performance.now() - t) * 1000) / N);
  }
  console.log(`  ${label.padEnd(52)} ${(best * 1000).toFixed(0).padStart(5)} ns`);
}
if (sink === undefined) throw new Error('unreachable');
