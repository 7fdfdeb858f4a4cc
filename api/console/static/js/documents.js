// documents.js: upload NDJSON / BEIR corpus.jsonl with live progress, browse with the
// cursor listing, view one document.
import { api, enc, streamNDJSON } from './api.js';
import { h, fill, errorBox, num, bytes, field, table } from './ui.js';

const PAGE = 12;

/** checkFile reads an upload and says clearly what is wrong with it, or counts its lines. */
export async function checkFile(file) {
  if (!file) throw new Error('Choose a file first: NDJSON (one JSON document per line) or a BEIR corpus.jsonl.');
  if (file.size === 0) throw new Error('"' + file.name + '" is empty.');
  const text = await file.text();
  const lines = text.split('\n');
  let count = 0;
  let first = -1;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    count++;
    if (first < 0) first = i;
  }
  if (count === 0) throw new Error('"' + file.name + '" has no non-blank line.');
  let doc;
  try {
    doc = JSON.parse(lines[first]);
  } catch {
    throw new Error('"' + file.name + '" is not NDJSON: line ' + (first + 1) + ' is not JSON. Each line must be one document such as {"id": "d1", "text": "..."} (BEIR corpus.jsonl lines {"_id", "title", "text"} work as they are).');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error('"' + file.name + '" line ' + (first + 1) + ' is JSON but not an object; each line must be one document such as {"id": "d1", "text": "..."}.');
  }
  if (!('id' in doc) && !('_id' in doc)) {
    throw new Error('"' + file.name + '" line ' + (first + 1) + ' has no "id" (or BEIR "_id") field; every document needs one.');
  }
  return count;
}

function uploader(ctx, onDone) {
  const input = h('input', { type: 'file', id: 'upload-file', accept: '.jsonl,.ndjson,.json,application/x-ndjson' });
  const bar = h('progress', { id: 'upload-progress', max: 1, value: 0, 'aria-label': 'Upload progress' });
  const label = h('span', { class: 'muted', id: 'upload-status', role: 'status', 'aria-live': 'polite' }, 'No upload yet.');
  const out = h('div', { id: 'upload-result' });
  const btn = h('button', { class: 'primary', type: 'submit' }, 'Upload');
  const form = h('form', { class: 'card', id: 'upload-form', 'aria-label': 'Upload documents' },
    h('h3', {}, 'Upload documents'),
    h('p', { class: 'muted' }, 'NDJSON, one document per line ({"id","text","title","metadata"}), or a BEIR corpus.jsonl. Progress comes from the server\'s streamed acknowledgements.'),
    h('div', { class: 'row' }, input, btn), h('div', { class: 'row' }, bar, label), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(out);
    const name = ctx.current();
    if (!name) { fill(out, errorBox(new Error('Create or pick a collection first.'))); return; }
    const file = input.files[0];
    let total;
    try {
      total = await checkFile(file);
    } catch (e) {
      fill(out, errorBox(e));
      return;
    }
    btn.disabled = true;
    bar.max = total;
    bar.value = 0;
    label.textContent = '0 / ' + num(total) + ' lines';
    let summary = null;
    try {
      await streamNDJSON('/v1/collections/' + enc(name) + '/documents', file, (line) => {
        if ('done' in line) { summary = line; return; }
        bar.value = line.through_line;
        label.textContent = num(line.committed) + ' stored · line ' + num(line.through_line) + ' / ' + num(total) + (line.failed_count ? ' · ' + num(line.failed_count) + ' failed' : '');
      });
    } catch (e) {
      fill(out, errorBox(e));
      btn.disabled = false;
      return;
    }
    btn.disabled = false;
    if (!summary) { fill(out, errorBox(new Error('The stream ended without a summary; some documents may be stored.'))); return; }
    bar.value = summary.through_line;
    label.textContent = (summary.done ? 'Done: ' : 'Stopped: ') + num(summary.upserted) + ' stored, ' + num(summary.failed_count) + ' failed, ' + num(summary.truncated_count) + ' truncated.';
    const parts = [];
    if (summary.error) parts.push(errorBox(summary.error));
    if (summary.failed && summary.failed.length) {
      parts.push(h('h4', {}, 'Lines that failed'),
        table(['Line', 'ID', 'Error'], summary.failed.map((f) => h('tr', {}, h('td', { class: 'num' }, f.line), h('td', {}, f.id || ''), h('td', {}, f.error))), { class: 'grid', id: 'upload-errors' }));
    }
    if (summary.truncated_count) parts.push(h('p', { class: 'muted' }, 'Embedded truncated (longer than the model\'s max tokens; stored whole): ' + summary.truncated.slice(0, 20).join(', ') + (summary.truncated_count > 20 ? ' …' : '')));
    fill(out, parts);
    onDone();
  });
  return form;
}

function docView(doc, info) {
  const meta = Object.entries(doc.metadata || {});
  return h('article', { class: 'card doc', id: 'doc-view', 'aria-label': 'Document ' + doc.id },
    h('h3', {}, doc.title || doc.id),
    h('p', { class: 'muted' }, 'id ', h('code', {}, doc.id)),
    meta.length ? h('dl', { class: 'meta' }, meta.map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))])) : null,
    info?.spec?.chunking ? h('p', { class: 'muted' }, 'Chunked into windows of ' + info.spec.chunking.window_tokens + ' tokens (overlap ' + info.spec.chunking.overlap_tokens + '); search shows the best passage of each hit.') : null,
    h('div', { class: 'doc-text' }, (doc.text || '').split(/\n{2,}/).map((p, i) => h('p', { 'data-passage': i }, p))),
    doc.vector ? h('p', { class: 'muted' }, 'vector: ' + doc.vector.length + ' dimensions') : null);
}

async function showDoc(ctx, pane, id) {
  try {
    const doc = await api('GET', '/v1/collections/' + enc(ctx.current()) + '/documents/' + enc(id));
    fill(pane, docView(doc, ctx.info()));
  } catch (e) {
    fill(pane, errorBox(e));
  }
}

/** listPage fetches one page of the cursor listing; null when the server has no listing. */
async function listPage(name, cursor) {
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (cursor) q.set('cursor', cursor);
  try {
    return await api('GET', '/v1/collections/' + enc(name) + '/documents?' + q);
  } catch (e) {
    if (e.status === 405 || e.status === 501 || (e.status === 404 && !/collection/i.test(e.message))) return null;
    throw e;
  }
}

function browser(ctx) {
  const name = ctx.current();
  const listEl = h('div', { id: 'doc-list' });
  const pane = h('div', { class: 'doc-pane', id: 'doc-pane' }, h('p', { class: 'muted' }, 'Pick a document to see its text and metadata.'));
  const stack = [];
  let next = '';
  const lookup = h('input', { id: 'doc-lookup', placeholder: 'document id', 'aria-label': 'Document id' });
  const lookupForm = h('form', { class: 'row' }, lookup, h('button', { type: 'submit' }, 'Open'));
  lookupForm.addEventListener('submit', (ev) => { ev.preventDefault(); if (lookup.value.trim()) showDoc(ctx, pane, lookup.value.trim()); });

  async function load(cursor) {
    const page = await listPage(name, cursor);
    if (page === null) {
      fill(listEl, h('p', { class: 'muted' }, 'This server has no document listing; open a document by id.'));
      return;
    }
    const docs = page.documents || page.data || [];
    next = page.next_cursor || '';
    const prevBtn = h('button', { disabled: stack.length === 0, onclick: () => { stack.pop(); load(stack[stack.length - 1] || ''); } }, '← Previous');
    const nextBtn = h('button', { id: 'docs-next', disabled: !next, onclick: () => { stack.push(next); load(next); } }, 'Next →');
    fill(listEl,
      docs.length ? h('ul', { class: 'doc-list' }, docs.map((d) => h('li', {},
        h('button', { class: 'link', 'data-doc': d.id, onclick: () => showDoc(ctx, pane, d.id) }, d.title || d.id),
        h('span', { class: 'muted' }, ' ' + (d.title ? d.id + ' · ' : '') + (d.text || '').slice(0, 80))))) : h('p', { class: 'empty' }, 'No documents yet.'),
      h('div', { class: 'row pager' }, prevBtn, h('span', { class: 'muted' }, 'page ' + (stack.length + 1)), nextBtn));
  }
  const el = h('div', { class: 'split' }, h('div', { class: 'card' }, h('h3', {}, 'Browse'), lookupForm, listEl), pane);
  load('').catch((e) => fill(listEl, errorBox(e)));
  return el;
}

/** render draws the Documents page. */
export async function render(view, ctx) {
  await ctx.refresh();
  const info = ctx.info();
  if (!info) {
    fill(view, h('h1', {}, 'Documents'), h('p', { class: 'empty' }, 'No collection yet: create one on the Collections page.'));
    return;
  }
  const head = h('p', { class: 'muted', id: 'doc-count' }, num(info.count) + ' documents in ' + info.name + ' · index ' + bytes(info.index?.bytes));
  const holder = h('div', {}, browser(ctx));
  const refresh = async () => {
    await ctx.refresh();
    const i = ctx.info();
    head.textContent = num(i.count) + ' documents in ' + i.name + ' · index ' + bytes(i.index?.bytes);
    fill(holder, browser(ctx));
  };
  fill(view, h('h1', {}, 'Documents'), head, uploader(ctx, refresh), holder);
}
