// compare.js: one query under two instructions, side by side, with what moved.
import { api, enc } from './api.js';
import { h, fill, errorBox, num, field, terms } from './ui.js';
import { hitCard, sizeBars, constraintsBox, warningsBox } from './hits.js';
import { modeSelect, filterInput } from './search.js';

/** diff compares two rankings of ids: per id of b its move, per id of a whether it stayed. */
export function diff(a, b) {
  const ra = new Map(a.map((id, i) => [id, i]));
  const rb = new Map(b.map((id, i) => [id, i]));
  const moves = b.map((id, i) => (ra.has(id) ? { kind: ra.get(id) === i ? 'same' : ra.get(id) > i ? 'up' : 'down', by: Math.abs(ra.get(id) - i), from: ra.get(id) + 1 } : { kind: 'new' }));
  const fates = a.map((id) => (rb.has(id) ? { kind: 'kept', to: rb.get(id) + 1 } : { kind: 'dropped' }));
  const kept = fates.filter((f) => f.kind === 'kept').length;
  return {
    moves, fates, kept,
    added: moves.filter((m) => m.kind === 'new').length,
    dropped: a.length - kept,
    moved: moves.filter((m) => m.kind === 'up' || m.kind === 'down').length,
  };
}

function badgeB(m) {
  switch (m.kind) {
    case 'new': return h('span', { class: 'badge new', title: 'not in A' }, 'new');
    case 'up': return h('span', { class: 'badge up', title: 'was #' + m.from + ' in A' }, '▲ ' + m.by);
    case 'down': return h('span', { class: 'badge down', title: 'was #' + m.from + ' in A' }, '▼ ' + m.by);
    default: return h('span', { class: 'badge same', title: 'same rank in A' }, '=');
  }
}

function badgeA(f) {
  return f.kind === 'dropped' ? h('span', { class: 'badge dropped', title: 'not in B' }, 'dropped') : h('span', { class: 'badge kept', title: 'rank in B' }, '→ #' + f.to);
}

function column(label, instruction, res, words, badges, id) {
  const top = res.hits.length ? Math.max(...res.hits.map((x) => x.score)) : 1;
  const bottom = res.hits.length > 1 ? Math.min(...res.hits.map((x) => x.score)) : 0;
  return h('section', { class: 'col', id, 'aria-label': label },
    h('header', { class: 'col-head' }, h('span', { class: 'side-label' }, label),
      h('span', { class: 'instr' }, instruction ? '“' + instruction + '”' : h('em', {}, 'no instruction'))),
    constraintsBox(res.constraints),
    h('ol', { class: 'hits compact' }, res.hits.map((hit, i) => hitCard(hit, i + 1, words, { top, bottom, constraints: res.constraints, badge: badges[i], cls: badges[i].classList[1] }))));
}

/** render draws the Compare page. */
export async function render(view, ctx) {
  await ctx.refresh();
  const name = ctx.current();
  if (!name) { fill(view, h('h1', {}, 'Compare'), h('p', { class: 'empty' }, 'No collection yet: create one on the Collections page.')); return; }
  const query = h('input', { id: 'cmp-q', type: 'search', required: true, placeholder: 'the same query for both sides', autocomplete: 'off' });
  const ia = h('textarea', { id: 'instr-a', rows: 1, placeholder: 'empty: no instruction' });
  const ib = h('textarea', { id: 'instr-b', rows: 1, placeholder: 'empty: no instruction' });
  const mode = modeSelect('cmp-mode');
  const k = h('input', { id: 'cmp-k', type: 'number', min: 1, max: 100, value: 10 });
  const filter = filterInput('cmp-filter', 1);
  const out = h('div', { id: 'compare-out' });
  const form = h('form', { class: 'card form-grid', id: 'compare-form', 'aria-label': 'Compare two instructions' },
    h('div', { class: 'wide' }, field('Query', query)),
    h('div', { class: 'span2' }, field('Instruction A', ia)), h('div', { class: 'span2' }, field('Instruction B', ib)),
    field('Mode', mode), field('k', k), h('div', { class: 'span2' }, field('Filter (JSON)', filter.el)),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Compare')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const base = { query: query.value, k: Number(k.value) || 10, include: ['title', 'text', 'metadata'] };
    try {
      const f = filter.check();
      if (f) base.filter = f;
    } catch (e) {
      fill(out, errorBox(e));
      return;
    }
    if (mode.value) base.mode = mode.value;
    const a = ia.value.trim();
    const b = ib.value.trim();
    fill(out, h('p', { class: 'muted' }, 'Searching…'));
    try {
      const path = '/v1/collections/' + enc(name) + '/search';
      const [ra, rb] = await Promise.all([api('POST', path, { ...base, instruction: a }), api('POST', path, { ...base, instruction: b })]);
      const d = diff(ra.hits.map((x) => x.id), rb.hits.map((x) => x.id));
      const words = terms(query.value);
      const n = Math.max(ra.hits.length, 1);
      const el = h('div', {},
        h('div', { class: 'cmp-summary', id: 'compare-summary', role: 'status' },
          h('div', { class: 'stat' }, h('b', {}, d.kept + '/' + ra.hits.length), h('span', {}, 'kept')),
          h('div', { class: 'stat new' }, h('b', {}, d.added), h('span', {}, 'new in B')),
          h('div', { class: 'stat dropped' }, h('b', {}, d.dropped), h('span', {}, 'dropped from A')),
          h('div', { class: 'stat up' }, h('b', {}, d.moved), h('span', {}, 'moved')),
          h('div', { class: 'stat' }, h('b', {}, num(Math.round((100 * d.kept) / n)) + '%'), h('span', {}, 'overlap@' + ra.hits.length))),
        warningsBox([...new Set([...(ra.warnings || []), ...(rb.warnings || [])])]),
        h('div', { class: 'cols' },
          column('A', a, ra, words, d.fates.map(badgeA), 'col-a'),
          column('B', b, rb, words, d.moves.map(badgeB), 'col-b')));
      sizeBars(el);
      fill(out, el);
    } catch (e) {
      fill(out, errorBox(e));
    }
  });
  fill(view, h('h1', {}, 'Compare instructions ', h('span', { class: 'muted' }, name)),
    h('p', { class: 'lead' }, 'Run one query under two instructions and see which documents the instruction brings in, pushes out, or moves.'),
    form, out);
}
