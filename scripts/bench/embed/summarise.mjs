// Reads the JSON lines of embed-bench and transformers.mjs on stdin and prints the
// comparison: docs/s per engine and the ratios against the targets.
import fs from 'node:fs';

const recs = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const ours = recs.find((r) => r.engine === 'instructd');
const raw = recs.find((r) => r.engine === 'raw-ort');
const split = recs.find((r) => r.engine === 'raw-ort-split');
const tjs = recs.find((r) => r.engine === 'transformers.js' && r.best);
if (!ours || !raw || !tjs) {
  console.error('summarise: missing results');
  process.exit(1);
}
const f = (x) => x.toFixed(1).padStart(8);
console.log('');
console.log(`engine                                   docs/s  docs/CPU-s`);
console.log(`instructd Embedder (documents, default) ${f(ours.docs_per_s)}    ${f(ours.docs_per_cpu_s)}   wall rounds ${ours.rounds.map((x) => x.toFixed(1)).join(', ')}`);
console.log(`raw ONNX Runtime (same batches)         ${f(raw.docs_per_s)}    ${f(raw.docs_per_cpu_s)}   wall rounds ${raw.rounds.map((x) => x.toFixed(1)).join(', ')}`);
if (split) {
  const label = `raw ORT, ${split.workers} sessions x ${split.threads_per_worker} thr`.padEnd(40);
  console.log(`${label}${f(split.docs_per_s)}    ${f(split.docs_per_cpu_s)}   wall rounds ${split.rounds.map((x) => x.toFixed(1)).join(', ')}`);
}
const tjsRuns = recs.filter((r) => r.engine === 'transformers.js' && !r.best);
for (const r of tjsRuns) {
  console.log(`transformers.js batch ${String(r.batch_size).padEnd(4)}${r.docs < ours.docs ? `(${r.docs} docs)` : '          '}       ${f(r.docs_per_s)}    ${f(r.docs_per_cpu_s)}`);
}
const tjsCPU = tjsRuns.reduce((a, r) => (r.docs_per_cpu_s > a.docs_per_cpu_s ? r : a));
const vsTjs = ours.docs_per_s / tjs.docs_per_s;
const vsRaw = ours.docs_per_s / raw.docs_per_s;
const ratio = (x, target) => `${x.toFixed(2)}x  (target >= ${target.toFixed(1)}x) ${x >= target ? 'MET' : 'NOT MET'}`;
console.log('');
console.log(`instructd / transformers.js (best, batch ${tjs.batch_size}): ${ratio(vsTjs, 2)}   per CPU-s (best, batch ${tjsCPU.batch_size}): ${ratio(ours.docs_per_cpu_s / tjsCPU.docs_per_cpu_s, 2)}`);
console.log(`instructd / raw ONNX Runtime:                 ${ratio(vsRaw, 0.9)}   per CPU-s: ${ratio(ours.docs_per_cpu_s / raw.docs_per_cpu_s, 0.9)}`);
if (split) {
  console.log(`instructd / raw ORT with the same split:      ${ratio(ours.docs_per_s / split.docs_per_s, 0.9)}   per CPU-s: ${ratio(ours.docs_per_cpu_s / split.docs_per_cpu_s, 0.9)}`);
}
console.log(`threads ${ours.threads}, inference workers ${ours.workers}; batches: max ${ours.max_batch_size} texts / ${ours.max_batch_tokens} padded tokens; ` +
  `instructd ran ${ours.batches} batches, ${ours.tokens} tokens padded to ${ours.padded_tokens}; ` +
  `raw ORT ran ${raw.batches} batches, ${raw.tokens} tokens padded to ${raw.padded_tokens}`);
