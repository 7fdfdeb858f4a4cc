// evaluate.js: run POST /v1/collections/{name}/evaluate with uploaded queries and qrels.
import { api, enc } from './api.js';
import { h, fill, errorBox, num, field, table } from './ui.js';

/** m3 formats a metric with three decimals, so columns line up. */
const m3 = (x) => (typeof x === 'number' ? x.toFixed(3) : '–');

const METRICS = [['ndcg@10', 'nDCG@10'], ['recall@100', 'Recall@100'], ['mrr@10', 'MRR@10'], ['map@100', 'MAP@100'], ['recall@10', 'Recall@10']];

/** parseQueries reads a BEIR queries.jsonl ({"_id","text"} per line; "id" and "instruction" too). */
export function parseQueries(text, fileName) {
  const out = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let q;
    try { q = JSON.parse(line); } catch {
      throw new Error(fileName + ' line ' + (i + 1) + ' is not JSON; a queries file is JSONL with one {"_id": "q1", "text": "..."} per line.');
    }
    const id = q && (q._id ?? q.id);
    if (id === undefined || typeof q.text !== 'string') {
      throw new Error(fileName + ' line ' + (i + 1) + ' needs "_id" (or "id") and "text", like {"_id": "q1", "text": "..."}.');
    }
    const item = { id: String(id), text: q.text };
    if (typeof q.instruction === 'string') item.instruction = q.instruction;
    out.push(item);
  });
  if (!out.length) throw new Error(fileName + ' has no queries.');
  return out;
}

/** parseQrels reads a BEIR qrels TSV (query-id, corpus-id, score; header optional) or TREC qrels (qid 0 docid rel). */
export function parseQrels(text, fileName) {
  const qrels = {};
  let n = 0;
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const cols = t.split(/\t|\s+/);
    if (i === 0 && /^query[-_ ]?id$/i.test(cols[0])) return;
    let qid, did, rel;
    if (cols.length === 3) [qid, did, rel] = cols;
    else if (cols.length === 4) [qid, , did, rel] = cols;
    else throw new Error(fileName + ' line ' + (i + 1) + ' has ' + cols.length + ' columns; a qrels file has query-id, corpus-id, score separated by tabs.');
    const r = Number(rel);
    if (!Number.isInteger(r)) throw new Error(fileName + ' line ' + (i + 1) + ': the score "' + rel + '" is not an integer.');
    (qrels[qid] ||= {})[did] = r;
    n++;
  });
  if (!n) throw new Error(fileName + ' has no judgments.');
  return qrels;
}

function metricTable(res) {
  const best = {};
  for (const [m] of METRICS) best[m] = Math.max(...res.modes.map((x) => x.scores[m]));
  return table(['Mode', 'Queries', ...METRICS.map(([, l]) => l)],
    res.modes.map((m) => h('tr', { 'data-mode': m.mode }, h('th', { scope: 'row' }, m.mode), h('td', { class: 'num' }, m.queries),
      METRICS.map(([k]) => h('td', { class: 'num' + (res.modes.length > 1 && m.scores[k] === best[k] ? ' best' : '') }, m3(m.scores[k]))))),
    { class: 'grid metrics', id: 'eval-metrics' });
}

function perQueryTable(rows) {
  let key = 'ndcg@10';
  let asc = true;
  const body = h('tbody');
  const heads = [['query_id', 'Query'], ['mode', 'Mode'], ...METRICS.slice(0, 4), ['relevant', 'Relevant']];
  const ths = heads.map(([k, l]) => h('th', { scope: 'col' }, h('button', { class: 'sort', 'data-sort': k, onclick: () => { asc = key === k ? !asc : true; key = k; draw(); } }, l)));
  const val = (r, k) => (k in r.scores ? r.scores[k] : r[k]);
  function draw() {
    const sorted = rows.slice().sort((a, b) => {
      const x = val(a, key);
      const y = val(b, key);
      const c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
      return asc ? c : -c;
    });
    ths.forEach((th, i) => th.setAttribute('aria-sort', heads[i][0] === key ? (asc ? 'ascending' : 'descending') : 'none'));
    fill(body, sorted.map((r) => h('tr', {}, h('td', {}, r.query_id), h('td', {}, r.mode),
      METRICS.slice(0, 4).map(([k]) => h('td', { class: 'num' + (r.scores[k] === 0 ? ' zero' : '') }, m3(r.scores[k]))),
      h('td', { class: 'num' }, r.relevant))));
  }
  draw();
  return h('table', { class: 'grid', id: 'eval-per-query' }, h('thead', {}, h('tr', {}, ths)), body);
}

/** render draws the Evaluate page. */
export async function render(view, ctx) {
  await ctx.refresh();
  const name = ctx.current();
  if (!name) { fill(view, h('h1', {}, 'Evaluate'), h('p', { class: 'empty' }, 'No collection yet: create one and upload a corpus first.')); return; }
  const qf = h('input', { type: 'file', id: 'eval-queries', accept: '.jsonl,.json,.ndjson' });
  const rf = h('input', { type: 'file', id: 'eval-qrels', accept: '.tsv,.txt,.qrels' });
  const modes = ['dense', 'lexical', 'hybrid'].map((m) => h('input', { type: 'checkbox', value: m, checked: m === 'dense', id: 'eval-mode-' + m }));
  const k = h('input', { id: 'eval-k', type: 'number', min: 10, max: 1000, value: 100 });
  const out = h('div', { id: 'eval-out' });
  const form = h('form', { class: 'card form-grid', id: 'eval-form', 'aria-label': 'Evaluate' },
    field('Queries (BEIR queries.jsonl)', qf), field('Qrels (BEIR qrels TSV)', rf),
    h('fieldset', { class: 'modes span2' }, h('legend', {}, 'Modes'), modes.map((c) => h('label', { class: 'check' }, c, ' ' + c.value))),
    field('k (hits per query)', k),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Evaluate')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let req;
    try {
      if (!qf.files[0] || !rf.files[0]) throw new Error('Choose both files: the queries (JSONL) and the qrels (TSV).');
      const queries = parseQueries(await qf.files[0].text(), qf.files[0].name);
      const qrels = parseQrels(await rf.files[0].text(), rf.files[0].name);
      const ms = modes.filter((c) => c.checked).map((c) => c.value);
      if (!ms.length) throw new Error('Tick at least one mode.');
      req = { queries, qrels, modes: ms, k: Number(k.value) || 100 };
    } catch (e) {
      fill(out, errorBox(e));
      return;
    }
    fill(out, h('p', { class: 'muted' }, 'Evaluating ' + req.queries.length + ' queries…'));
    try {
      const res = await api('POST', '/v1/collections/' + enc(name) + '/evaluate', req);
      fill(out,
        h('p', { class: 'muted', id: 'eval-summary' }, num(res.queries) + ' queries evaluated' + (res.skipped ? ', ' + num(res.skipped) + ' without a relevant document skipped' : '') + ' · k ' + res.k + ' · ' + num(res.search_seconds, 2) + ' s'),
        metricTable(res),
        h('h3', {}, 'Per query'), h('p', { class: 'muted' }, 'Click a column to sort; zeros are the queries to look at.'),
        perQueryTable(res.per_query));
    } catch (e) {
      fill(out, errorBox(e));
    }
  });
  fill(view, h('h1', {}, 'Evaluate ', h('span', { class: 'muted' }, name)),
    h('p', { class: 'lead' }, 'Score retrieval on this collection against judged queries (BEIR format): nDCG@10, Recall@100, MRR@10 and MAP@100 per mode.'),
    form, out);
}
