// Throughput of @huggingface/transformers (transformers.js) feature-extraction on the same
// texts and model as instructd's embed benchmark: the pack's pooling + normalize, CPU, the
// same intra-op thread count. Prints one JSON line per batch size and a final "best" line.
//
// usage: node transformers.mjs PACK_DIR TEXTS_JSONL THREADS BATCH_SIZES(comma) [SUBSET_FOR_BATCH_1 (default: all)]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline, env } from '@huggingface/transformers';

const [packDir, textsPath, threadsArg, sizesArg, subsetArg] = process.argv.slice(2);
if (!packDir || !textsPath) {
  console.error('usage: node transformers.mjs PACK_DIR TEXTS_JSONL THREADS BATCH_SIZES [SUBSET_FOR_BATCH_1]');
  process.exit(2);
}
const threads = Number(threadsArg || os.cpus().length);
const sizes = (sizesArg || '1,8,16,32,64').split(',').map(Number);
const subset1 = Number(subsetArg || Infinity);
const manifest = JSON.parse(fs.readFileSync(path.join(packDir, 'instructd.json'), 'utf8'));
const texts = fs.readFileSync(textsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text);

// A family pack (scripts/make-family-pack.py) is already in the Hugging Face layout
// (config.json, onnx/, tokenizer files); for the BERT test packs, build one:
// onnx/model.onnx, tokenizer.json, tokenizer_config.json, config.json.
const family = fs.existsSync(path.join(packDir, 'config.json'));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'instructd-tjs-'));
let modelRoot = root;
let modelName = 'pack';
if (family) {
  modelRoot = path.dirname(path.resolve(packDir));
  modelName = path.basename(path.resolve(packDir));
} else {
  const modelDir = path.join(root, 'pack');
  fs.mkdirSync(path.join(modelDir, 'onnx'), { recursive: true });
  fs.symlinkSync(path.resolve(packDir, 'model.onnx'), path.join(modelDir, 'onnx', 'model.onnx'));
  fs.copyFileSync(path.join(packDir, 'tokenizer.json'), path.join(modelDir, 'tokenizer.json'));
  fs.writeFileSync(path.join(modelDir, 'tokenizer_config.json'), JSON.stringify({
    tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: manifest.max_tokens,
    cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]',
  }));
  fs.writeFileSync(path.join(modelDir, 'config.json'), JSON.stringify({
    model_type: 'bert', architectures: ['BertModel'], hidden_size: manifest.dimension,
    max_position_embeddings: manifest.max_tokens,
  }));
}
// Pooling as the manifest says. Last-token pooling (Qwen3-Embedding) needs left padding in
// transformers.js (its last_token takes the last position), and the appended token is
// written into the text, where the tokenizer finds it as an added token.
const pooling = { mean: 'mean', cls: 'cls', last: 'last_token' }[manifest.pooling];
if (!pooling) throw new Error(`pooling ${manifest.pooling}: not benchmarked with the feature-extraction pipeline`);
const inputs = manifest.append_token ? texts.map((t) => t + manifest.append_token) : texts;

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = modelRoot;
const sessionOptions = {
  intraOpNumThreads: threads, interOpNumThreads: 1,
  graphOptimizationLevel: 'all', executionMode: 'sequential',
};
const extractor = await pipeline('feature-extraction', modelName, {
  device: 'cpu', dtype: manifest.variant === 'fp16' ? 'fp16' : 'fp32', session_options: sessionOptions,
});
if (pooling === 'last_token') extractor.tokenizer.padding_side = 'left';

async function run(list, bs) {
  for (let i = 0; i < list.length; i += bs) {
    const out = await extractor(list.slice(i, i + bs), { pooling, normalize: true });
    if (out.dims[1] !== manifest.dimension) throw new Error(`got dims ${out.dims}`);
  }
}

await run(inputs.slice(0, 64), 32); // warm-up
let best = null;
for (const bs of sizes) {
  const list = bs === 1 ? inputs.slice(0, Math.min(subset1, inputs.length)) : inputs;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await run(list, bs);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpuSecs = (c.user + c.system) / 1e6;
  const rec = {
    engine: 'transformers.js', batch_size: bs, docs: list.length, seconds: secs,
    docs_per_s: list.length / secs, docs_per_cpu_s: list.length / cpuSecs,
  };
  console.log(JSON.stringify(rec));
  if (!best || rec.docs_per_s > best.docs_per_s) best = rec;
}
console.log(JSON.stringify({ ...best, best: true, threads, session_options: sessionOptions }));
fs.rmSync(root, { recursive: true, force: true });
