// search.js: the search playground.
import { api, enc } from './api.js';
import { h, fill, errorBox, num, field, terms, parseFilter } from './ui.js';
import { hitCard, sizeBars, constraintsBox, warningsBox } from './hits.js';

/** rerankers are the loaded reranker packs (none: the control is hidden). */
export function rerankers(ctx) {
  return ctx.models.filter((m) => m.kind === 'reranker');
}

/** modeSelect offers the collection's default or a mode. */
export function modeSelect(id) {
  return h('select', { id }, h('option', { value: '' }, 'collection default'), ['dense', 'lexical', 'hybrid'].map((m) => h('option', { value: m }, m)));
}

/** filterInput is a filter textarea (rows high) checked as the user types; check() returns the value or throws. */
export function filterInput(id, rows = 2) {
  const ta = h('textarea', { id, rows, placeholder: '{"lang": "en"}', spellcheck: 'false' });
  const msg = h('p', { class: 'field-error', id: id + '-error', role: 'alert' });
  const check = () => {
    try {
      const v = parseFilter(ta.value);
      msg.textContent = '';
      ta.removeAttribute('aria-invalid');
      return v;
    } catch (e) {
      msg.textContent = e.message;
      ta.setAttribute('aria-invalid', 'true');
      throw e;
    }
  };
  ta.addEventListener('input', () => { try { check(); } catch { /* shown */ } });
  return { el: h('div', {}, ta, msg), check };
}

/** renderResults draws a search response. */
export function renderResults(res, query, opts = {}) {
  const words = terms(query);
  const top = res.hits.length ? Math.max(...res.hits.map((x) => x.score)) : 1;
  const bottom = res.hits.length > 1 ? Math.min(...res.hits.map((x) => x.score)) : 0;
  const list = h('ol', { class: 'hits', id: opts.id || 'hits' }, res.hits.map((hit, i) => hitCard(hit, i + 1, words, { top, bottom, constraints: res.constraints })));
  const el = h('div', { class: 'results' },
    h('p', { class: 'muted summary' }, num(res.hits.length) + ' hits · ' + res.mode + ' · ' + num(res.timings?.total_ms, 1) + ' ms' + (res.timings?.embed_ms ? ' (embed ' + num(res.timings.embed_ms, 1) + ' ms)' : '') + (opts.rerank ? ' · reranked by ' + opts.rerank + (res.timings?.rerank_ms ? ' in ' + num(res.timings.rerank_ms, 1) + ' ms' : '') : '')),
    warningsBox(res.warnings), constraintsBox(res.constraints),
    res.hits.length ? list : h('p', { class: 'empty' }, 'No hits.'));
  sizeBars(el);
  return el;
}

/** render draws the Search page. */
export async function render(view, ctx) {
  await ctx.refresh();
  const name = ctx.current();
  if (!name) { fill(view, h('h1', {}, 'Search'), h('p', { class: 'empty' }, 'No collection yet: create one on the Collections page.')); return; }
  const query = h('input', { id: 'q', type: 'search', placeholder: 'What are you looking for?', required: true, autocomplete: 'off' });
  const instr = h('textarea', { id: 'instruction', rows: 1, placeholder: "empty: the collection's default instruction" });
  const mode = modeSelect('mode');
  const k = h('input', { id: 'k', type: 'number', min: 1, max: 1000, value: 10 });
  const filter = filterInput('filter', 1);
  const rr = rerankers(ctx);
  const rerank = h('select', { id: 'rerank' }, h('option', { value: '' }, 'off'), rr.map((m) => h('option', { value: m.id }, m.id)));
  const cands = h('input', { id: 'rerank-candidates', type: 'number', min: 1, value: 50 });
  const out = h('div', { id: 'search-out' });
  const form = h('form', { class: 'card form-grid search-form', id: 'search-form', 'aria-label': 'Search' },
    h('div', { class: 'wide' }, field('Query', query)),
    h('div', { class: 'wide' }, field('Instruction', instr, 'Tells the model what counts as relevant, e.g. "Find papers that refute the claim"')),
    field('Mode', mode), field('k', k), h('div', { class: 'span2' }, field('Filter (JSON)', filter.el)),
    rr.length ? [field('Rerank', rerank), field('Rerank candidates', cands)] : null,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Search')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const req = { query: query.value, k: Number(k.value) || 10, include: ['title', 'text', 'metadata'] };
    try {
      const f = filter.check();
      if (f) req.filter = f;
    } catch (e) {
      fill(out, errorBox(e));
      return;
    }
    if (instr.value.trim()) req.instruction = instr.value.trim();
    if (mode.value) req.mode = mode.value;
    if (rerank.value) req.rerank = { model: rerank.value, candidates: Number(cands.value) || 50 };
    fill(out, h('p', { class: 'muted' }, 'Searching…'));
    try {
      const res = await api('POST', '/v1/collections/' + enc(name) + '/search', req);
      fill(out, renderResults(res, query.value, { rerank: rerank.value }));
    } catch (e) {
      fill(out, errorBox(e));
    }
  });
  fill(view, h('h1', {}, 'Search ', h('span', { class: 'muted' }, name)), form, out);
  query.focus();
}
