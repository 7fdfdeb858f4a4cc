// collections.js: list, describe, create and delete collections.
import { api, enc } from './api.js';
import { h, fill, errorBox, num, bytes, field, table, confirmDialog } from './ui.js';

/** embeddingModels are the loaded packs a collection can use (rerankers cannot). */
export function embeddingModels(ctx) {
  return ctx.models.filter((m) => m.kind !== 'reranker');
}

function details(c) {
  const ix = c.index || {};
  const stats = [
    ['engine', ix.engine], ['metric', ix.metric], ['dimension', ix.dimension], ['vectors', num(ix.count)],
    ['index size', bytes(ix.bytes)], ['M', ix.m], ['ef_construction', ix.ef_construction], ['ef_search', ix.ef_search],
    ['capacity', ix.capacity], ['created', c.created_at ? new Date(c.created_at).toLocaleString() : ''],
  ].filter(([, v]) => v !== undefined && v !== '' && v !== 0);
  return h('div', { class: 'details' },
    h('div', {}, h('h4', {}, 'Spec'), h('pre', { class: 'json' }, JSON.stringify(c.spec, null, 2))),
    h('div', {}, h('h4', {}, 'Index'), h('dl', { class: 'stats' }, stats.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]))));
}

function createForm(ctx, view, status) {
  const models = embeddingModels(ctx);
  const name = h('input', { name: 'name', required: true, pattern: '[a-zA-Z0-9][a-zA-Z0-9_\\-]{0,63}', placeholder: 'e.g. papers', autocomplete: 'off' });
  const model = h('select', { name: 'model' },
    models.map((m) => h('option', { value: m.id }, m.id + (m.default ? ' (default)' : '') + (m.semantic ? '' : ' — test pack'))),
    h('option', { value: '' }, 'none: pre-computed vectors'));
  const dim = h('input', { name: 'dimension', type: 'number', min: 1, placeholder: 'only without a model' });
  const metric = h('select', { name: 'metric' }, ['cosine', 'dot', 'l2'].map((m) => h('option', { value: m }, m)));
  const mode = h('select', { name: 'default_mode' }, ['dense', 'lexical', 'hybrid'].map((m) => h('option', { value: m }, m)));
  const instr = h('input', { name: 'default_instruction', placeholder: "the pack's default" });
  const chunk = h('input', { name: 'window', type: 'number', min: 0, placeholder: 'off' });
  const overlap = h('input', { name: 'overlap', type: 'number', min: 0, placeholder: '0' });
  const err = h('div', { class: 'form-msg', role: 'alert' });
  const form = h('form', { class: 'card form-grid', id: 'create-form', 'aria-label': 'Create a collection' },
    h('h3', {}, 'Create a collection'),
    field('Name', name), field('Model', model), field('Dimension', dim), field('Metric', metric),
    field('Default mode', mode), field('Default instruction', instr),
    field('Chunk window (tokens)', chunk, 'split long documents into passages'), field('Chunk overlap', overlap),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Create')), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(err);
    const spec = { metric: metric.value, default_mode: mode.value };
    if (model.value) spec.model = model.value;
    else if (dim.value) spec.dimension = Number(dim.value);
    else { fill(err, errorBox(new Error('Pick a model, or give a dimension for pre-computed vectors.'))); return; }
    if (instr.value.trim()) spec.default_instruction = instr.value.trim();
    if (Number(chunk.value) > 0) spec.chunking = { window_tokens: Number(chunk.value), overlap_tokens: Number(overlap.value || 0) };
    try {
      await api('PUT', '/v1/collections/' + enc(name.value.trim()), spec);
      await ctx.refresh();
      ctx.setCurrent(name.value.trim());
      status.textContent = 'Created collection ' + name.value.trim() + '.';
      await render(view, ctx, status.textContent);
    } catch (e) {
      fill(err, errorBox(e));
    }
  });
  return form;
}

/** render draws the Collections page into view. */
export async function render(view, ctx, message = '') {
  const list = await ctx.refresh();
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, message);
  const rows = list.map((c) => {
    const more = h('tr', { class: 'more', hidden: true }, h('td', { colspan: 7 }, details(c)));
    const toggle = h('button', { class: 'link', 'aria-expanded': 'false', onclick: () => {
      more.hidden = !more.hidden;
      toggle.setAttribute('aria-expanded', String(!more.hidden));
    } }, c.name);
    const del = h('button', { class: 'danger small', 'data-delete': c.name, onclick: async () => {
      const ok = await confirmDialog('Delete ' + c.name + '?', 'This removes the collection "' + c.name + '" and its ' + num(c.count) + ' documents for good.');
      if (!ok) return;
      try {
        await api('DELETE', '/v1/collections/' + enc(c.name));
        await render(view, ctx, 'Deleted collection ' + c.name + '.');
      } catch (e) {
        status.replaceChildren(errorBox(e));
      }
    } }, 'Delete');
    const open = (page) => h('button', { class: 'small', onclick: () => { ctx.setCurrent(c.name); ctx.go(page); } }, page[0].toUpperCase() + page.slice(1));
    return [h('tr', { 'data-collection': c.name },
      h('td', {}, toggle), h('td', {}, c.model || h('span', { class: 'muted' }, 'vectors only')), h('td', { class: 'num' }, num(c.count)),
      h('td', { class: 'num' }, c.dimension), h('td', {}, (c.index && c.index.engine) || ''), h('td', {}, c.spec?.default_mode || 'dense'),
      h('td', { class: 'row-actions' }, open('documents'), open('search'), del)), more];
  });
  fill(view,
    h('h1', {}, 'Collections'),
    status,
    list.length
      ? table(['Name', 'Model', 'Documents', 'Dim', 'Index', 'Mode', ''], rows, { class: 'grid', id: 'collections-table' })
      : h('p', { class: 'empty' }, 'No collections yet. Create one below, then upload documents.'),
    createForm(ctx, view, status));
}
