// Parity reference: runs the cross-encoder test pack through @huggingface/transformers
// AutoModelForSequenceClassification (onnxruntime-node) on reference.json's pairs and writes
// their logits, one pair per run (no padding), to OUT.
//
// usage: node transformers-reference.mjs PACK_DIR OUT_JSON
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutoModelForSequenceClassification, AutoTokenizer, Tensor, env } from '@huggingface/transformers';

const [packDir, outPath] = process.argv.slice(2);
if (!packDir || !outPath) {
  console.error('usage: node transformers-reference.mjs PACK_DIR OUT_JSON');
  process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(path.join(packDir, 'instructd.json'), 'utf8'));
const ref = JSON.parse(fs.readFileSync(path.join(packDir, 'reference.json'), 'utf8'));

// Hugging Face layout built from the pack: onnx/model.onnx, tokenizer files, config.json.
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
try {
  const model = await AutoModelForSequenceClassification.from_pretrained('pack', { device: 'cpu', dtype: 'fp32' });
  const tokenizer = await AutoTokenizer.from_pretrained('pack');
  const cases = [];
  for (const c of ref.cases) {
    const n = c.input_ids.length;
    const t = (a) => new Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, n]);
    const out = await model({
      input_ids: t(c.input_ids), attention_mask: t(c.input_ids.map(() => 1)), token_type_ids: t(c.token_type_ids),
    });
    // The library's own pair encoding, for the record (no truncation: lengths may differ on long pairs).
    const enc = tokenizer(c.query, { text_pair: c.document });
    cases.push({ name: c.name, logit: out.logits.data[0], tokenizer_ids: Array.from(enc.input_ids.data, Number) });
  }
  fs.writeFileSync(outPath, JSON.stringify({ engine: 'transformers.js', version: env.version, cases }) + '\n');
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
