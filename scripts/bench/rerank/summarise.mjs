// Reads the JSON lines of rerank-bench and transformers.mjs on stdin and prints pairs/s per
// engine, the ratio against the target, and the search latencies.
import fs from 'node:fs';

const recs = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const ours = recs.find((r) => r.engine === 'instructd');
const tjs = recs.find((r) => r.engine === 'transformers.js' && r.best);
if (!ours || !tjs) {
  console.error('summarise: missing results');
  process.exit(1);
}
const f = (x) => x.toFixed(1).padStart(8);
console.log('');
console.log('engine                                        pairs/s  pairs/CPU-s');
console.log(`instructd Reranker (dynamic batcher)        ${f(ours.pairs_per_s)}  ${f(ours.pairs_per_cpu_s)}   rounds ${ours.rounds.map((x) => x.toFixed(1)).join(', ')}`);
for (const r of recs.filter((r) => r.engine === 'transformers.js' && !r.best)) {
  console.log(`transformers.js batch ${String(r.batch_size).padEnd(4)}                    ${f(r.pairs_per_s)}  ${f(r.pairs_per_cpu_s)}   rounds ${r.rounds.map((x) => x.toFixed(1)).join(', ')}`);
}
const ratio = ours.pairs_per_s / tjs.pairs_per_s;
console.log('');
console.log(`instructd / transformers.js (best, batch ${tjs.batch_size}): ${ratio.toFixed(2)}x  (target >= 2.0x) ${ratio >= 2 ? 'MET' : 'NOT MET'}`);
console.log(`instructd batching: ${ours.callers} calls of ${ours.docs_per_call} pairs in flight, length-sorted batches of at most ` +
  `${ours.max_batch_size} pairs / ${ours.max_batch_tokens} padded tokens, ${ours.workers} inference workers over ${ours.threads} threads; ` +
  `${ours.batches} batches, ${ours.tokens} tokens padded to ${ours.padded_tokens} per round`);
console.log(`transformers.js batching: consecutive pairs, padded to the batch's longest, one session of ${tjs.threads} threads`);
for (const r of recs.filter((r) => r.engine === 'instructd-search')) {
  console.log(`search k=${r.k} with rerank candidates ${r.candidates} over ${r.collection_docs} docs, concurrency ${r.concurrency}: ` +
    `p50 ${r.p50_ms.toFixed(1)} ms, p99 ${r.p99_ms.toFixed(1)} ms (rerank p50 ${r.rerank_p50_ms.toFixed(1)} ms), ${r.searches_per_s.toFixed(1)} searches/s`);
}
