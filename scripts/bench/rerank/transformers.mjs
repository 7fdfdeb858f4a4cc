// Throughput of @huggingface/transformers (transformers.js) AutoModelForSequenceClassification
// on the same (query, document) pairs and ONNX file as instructd's rerank benchmark: the
// tokenizer's pair encoding (padding, truncation to the pack's max tokens), CPU, the same
// intra-op thread count, one model call per batch of consecutive pairs. Prints one JSON line
// per batch size and a final "best" line.
//
// usage: node transformers.mjs PACK_DIR PAIRS_JSONL THREADS BATCH_SIZES(comma) ROUNDS
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutoModelForSequenceClassification, AutoTokenizer, env } from '@huggingface/transformers';

const [packDir, pairsPath, threadsArg, sizesArg, roundsArg] = process.argv.slice(2);
if (!packDir || !pairsPath) {
  console.error('usage: node transformers.mjs PACK_DIR PAIRS_JSONL THREADS BATCH_SIZES ROUNDS');
  process.exit(2);
}
const threads = Number(threadsArg || os.cpus().length);
const sizes = (sizesArg || '8,16,32,64').split(',').map(Number);
const rounds = Number(roundsArg || 3);
const manifest = JSON.parse(fs.readFileSync(path.join(packDir, 'instructd.json'), 'utf8'));
const pairs = fs.readFileSync(pairsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'instructd-tjs-rerank-'));
const modelDir = path.join(root, 'pack');
fs.mkdirSync(path.join(modelDir, 'onnx'), { recursive: true });
fs.symlinkSync(path.resolve(packDir, 'model.onnx'), path.join(modelDir, 'onnx', 'model.onnx'));
fs.copyFileSync(path.join(packDir, 'tokenizer.json'), path.join(modelDir, 'tokenizer.json'));
fs.writeFileSync(path.join(modelDir, 'tokenizer_config.json'), JSON.stringify({
  tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: manifest.max_tokens,
  cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]',
}));
fs.writeFileSync(path.join(modelDir, 'config.json'), JSON.stringify({
  model_type: 'bert', architectures: ['BertForSequenceClassification'], num_labels: 1,
  id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 }, max_position_embeddings: 512,
}));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = root;
const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' };
const model = await AutoModelForSequenceClassification.from_pretrained('pack', { device: 'cpu', dtype: 'fp32', session_options: sessionOptions });
const tokenizer = await AutoTokenizer.from_pretrained('pack');

async function run(bs) {
  for (let i = 0; i < pairs.length; i += bs) {
    const chunk = pairs.slice(i, i + bs);
    const inputs = tokenizer(chunk.map((p) => p.query), {
      text_pair: chunk.map((p) => p.document), padding: true, truncation: true, max_length: manifest.max_tokens,
    });
    const out = await model(inputs);
    if (out.logits.dims[0] !== chunk.length) throw new Error(`got dims ${out.logits.dims}`);
  }
}

await run(32); // warm-up
let best = null;
for (const bs of sizes) {
  const walls = [];
  const c0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await run(bs);
    walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const c = process.cpuUsage(c0);
  const med = [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)];
  const rec = {
    engine: 'transformers.js', batch_size: bs, pairs: pairs.length, pairs_per_s: pairs.length / med,
    rounds: walls.map((w) => pairs.length / w), pairs_per_cpu_s: (pairs.length * rounds) / ((c.user + c.system) / 1e6),
  };
  console.log(JSON.stringify(rec));
  if (!best || rec.pairs_per_s > best.pairs_per_s) best = rec;
}
console.log(JSON.stringify({ ...best, best: true, threads, session_options: sessionOptions }));
fs.rmSync(root, { recursive: true, force: true });
