// Hugging Face's Rust tokenizer (npm `tokenizers`) on the same texts and tokenizer.json
// as main.go: texts/s (wall and CPU) encoding one text at a time and with encodeBatch, best of ROUNDS
// after a warm-up. Run with RAYON_NUM_THREADS=1 so encodeBatch uses one thread.
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require(path.resolve(__dirname, '..', '..', 'node_modules', 'tokenizers'));

const [tokPath, textsPath, name, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 3);
const texts = fs.readFileSync(textsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

(async () => {
  const doc = JSON.parse(fs.readFileSync(tokPath, 'utf8'));
  doc.padding = null;
  const t0 = process.hrtime.bigint();
  const tk = Tokenizer.fromString(JSON.stringify(doc));
  tk.setTruncation(512);
  const load = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const t of texts) await tk.encode(t, null, { addSpecialTokens: true }); // warm-up
  // CPU time of the whole process (all threads: the binding encodes on libuv's pool).
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let perText = Infinity, batch = Infinity, perTextCPU = Infinity, batchCPU = Infinity;
  for (let r = 0; r < rounds; r++) {
    let s = process.hrtime.bigint(), c = cpu();
    for (const t of texts) await tk.encode(t, null, { addSpecialTokens: true });
    perText = Math.min(perText, Number(process.hrtime.bigint() - s) / 1e9);
    perTextCPU = Math.min(perTextCPU, cpu() - c);
    s = process.hrtime.bigint(); c = cpu();
    await tk.encodeBatch(texts, { addSpecialTokens: true });
    batch = Math.min(batch, Number(process.hrtime.bigint() - s) / 1e9);
    batchCPU = Math.min(batchCPU, cpu() - c);
  }
  console.log(JSON.stringify({ engine: 'rust', tokenizer: name, texts: texts.length,
    per_text_texts_per_s: texts.length / perText, batch_texts_per_s: texts.length / batch,
    per_text_texts_per_cpu_s: texts.length / perTextCPU, batch_texts_per_cpu_s: texts.length / batchCPU, load_s: load }));
})();
