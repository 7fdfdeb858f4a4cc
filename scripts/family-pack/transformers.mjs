// Embeds a family pack's reference cases with @huggingface/transformers (transformers.js)
// on the pack's own ONNX file and writes PACK/transformers-js.json.gz: [{name, vector}].
// The Go parity test compares them with instructd's vectors (cosine), so it never runs node.
//
// usage: node transformers.mjs PACK_DIR
//
// Pooling follows the manifest: last (the appended token's state), cls, mean, or none (the
// graph's sentence_embedding). Cases whose ids reach max_tokens are left out: transformers.js
// truncates after adding special tokens and so drops the final one, unlike Hugging Face's
// Rust tokenizer.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { AutoModel, AutoTokenizer, Tensor, env } from '@huggingface/transformers';

const packDir = path.resolve(process.argv[2] || '');
const manifest = JSON.parse(fs.readFileSync(path.join(packDir, 'instructd.json'), 'utf8'));
const ref = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(packDir, 'reference.json.gz'))));

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(packDir);
const name = path.basename(packDir);
const dtype = manifest.variant === 'fp16' ? 'fp16' : 'fp32';
const tokenizer = await AutoTokenizer.from_pretrained(name);
const model = await AutoModel.from_pretrained(name, {
  device: 'cpu', dtype, session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
});
const appendID = manifest.append_token ? tokenizer.convert_tokens_to_ids(manifest.append_token) : undefined;

function normalize(v) {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const out = [];
for (const c of ref.cases) {
  if (c.ids.length >= manifest.max_tokens) continue;
  let ids = Array.from(tokenizer(c.input).input_ids.data, Number);
  if (appendID !== undefined && ids[ids.length - 1] !== appendID) ids.push(appendID);
  const n = ids.length;
  const inputs = {
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
    attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
  };
  if (model.sessions.model.inputNames.includes('token_type_ids')) {
    inputs.token_type_ids = new Tensor('int64', new BigInt64Array(n), [1, n]);
  }
  const res = await model(inputs);
  const d = manifest.dimension;
  let v;
  if (manifest.pooling === 'none') {
    v = Array.from(res[manifest.output_name].data.slice(0, d), Number);
  } else {
    const h = res[manifest.output_name].data;
    if (manifest.pooling === 'last') {
      v = Array.from(h.slice((n - 1) * d, n * d), Number);
    } else if (manifest.pooling === 'cls') {
      v = Array.from(h.slice(0, d), Number);
    } else {
      v = new Array(d).fill(0);
      for (let t = 0; t < n; t++) for (let j = 0; j < d; j++) v[j] += Number(h[t * d + j]) / n;
    }
  }
  out.push({ name: c.name, ids, vector: normalize(v) });
}
fs.writeFileSync(path.join(packDir, 'transformers-js.json.gz'), zlib.gzipSync(JSON.stringify(out)));
console.error(`transformers.mjs: ${name}: ${out.length} of ${ref.cases.length} cases`);
