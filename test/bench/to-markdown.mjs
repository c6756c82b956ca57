// Prints the README's tables ("How reliable are the verdicts?") from a bench result file.
//   node test/bench/to-markdown.mjs [bench-results/bench.json]
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'bench-results/bench.json';
const out = JSON.parse(readFileSync(file, 'utf8'));
const ms = (x) =>
  x >= 1000
    ? `${(x / 1000).toFixed(2)} s`
    : x >= 1
      ? `${x.toFixed(x >= 10 ? 0 : 1)} ms`
      : `${(x * 1000).toFixed(0)} µs`;
const lines = [];
const m = out.meta;
lines.push(
  `Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.kernel ?? ''}, Node ${m.node}; load average ${m.loadavgAtStart
    .map((x) => x.toFixed(1))
    .join(
      ' / ',
    )} at start, ${m.loadavgAtEnd.map((x) => x.toFixed(1)).join(' / ')} at the end; ${m.date}, commit ${m.commit}, ${m.elapsedS.toFixed(0)} s.`,
  '',
);

if (out.verdicts) {
  const rows = out.verdicts.rows;
  const cell = (r) => {
    if (!r) return '';
    const { pass, fail, inconclusive } = r.counts;
    return `${pass} / ${fail} / ${inconclusive}`;
  };
  const conditions = [...new Set(rows.map((r) => r.condition))];
  lines.push(
    `Verdicts (${out.verdicts.calls} matcher calls per cell; pass / fail / inconclusive):`,
    '',
    `| metric | case | must | ${conditions.join(' | ')} | verdict time (median): ${conditions.join(' / ')} |`,
    `| --- | --- | --- | ${conditions.map(() => '---').join(' | ')} | --- |`,
  );
  const keys = [...new Set(rows.map((r) => `${r.metric}\u0000${r.case}`))];
  for (const k of keys) {
    const [metric, kase] = k.split('\u0000');
    const per = conditions.map((c) =>
      rows.find((r) => r.metric === metric && r.case === kase && r.condition === c),
    );
    const want = per.find(Boolean)?.want;
    const times = per.map((r) => (r ? ms(r.verdictWallMs.median) : '')).join(' / ');
    lines.push(`| ${metric} | ${kase} | ${want} | ${per.map(cell).join(' | ')} | ${times} |`);
  }
  lines.push('');
}
if (out.summary) {
  const missed = out.summary.filter((s) => s.startsWith('MISSED') || s.startsWith('ERROR'));
  lines.push(`Targets missed: ${missed.length ? '' : 'none'}`, ...missed.map((s) => `- ${s}`), '');
}
console.log(lines.join('\n'));
