// map.js: a 2-D PCA projection of a sample of the collection's vectors, computed here.
import { api, enc } from './api.js';
import { h, fill, errorBox, num, field } from './ui.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** pca returns the mean and the top two principal axes of rows (power iteration with deflation). */
export function pca(rows) {
  const n = rows.length;
  const d = rows[0].length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const X = rows.map((r) => Float64Array.from(r, (v, j) => v - mean[j]));
  const axes = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: d }, (_, j) => Math.sin(j * 12.9898 + c * 78.233 + 1));
    for (let it = 0; it < 100; it++) {
      const xv = X.map((x) => x.reduce((s, xi, j) => s + xi * v[j], 0));
      const w = new Float64Array(d);
      X.forEach((x, i) => { for (let j = 0; j < d; j++) w[j] += x[j] * xv[i]; });
      for (const a of axes) {
        const p = w.reduce((s, wj, j) => s + wj * a[j], 0);
        for (let j = 0; j < d; j++) w[j] -= p * a[j];
      }
      const norm = Math.hypot(...w) || 1;
      let delta = 0;
      for (let j = 0; j < d; j++) { const nv = w[j] / norm; delta += Math.abs(nv - v[j]); v[j] = nv; }
      v = Float64Array.from(v);
      if (delta < 1e-9) break;
    }
    axes.push(v);
  }
  return { mean, axes, project: (r) => axes.map((a) => r.reduce((s, x, j) => s + (x - mean[j]) * a[j], 0)) };
}

function randomUnit(dim) {
  const v = Array.from({ length: dim }, () => {
    const u = 1 - Math.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  });
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

function draw(canvas, points, qpt, colourOf, legend) {
  const dpr = window.devicePixelRatio || 1;
  const W = canvas.clientWidth || 720;
  const H = canvas.clientHeight || 480;
  canvas.width = W * dpr;
  canvas.height = H * dpr;
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  g.fillStyle = '#fbfcfe';
  g.fillRect(0, 0, W, H);
  const all = qpt ? points.concat([{ xy: qpt }]) : points;
  const xs = all.map((p) => p.xy[0]);
  const ys = all.map((p) => p.xy[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = 28;
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const sy = (y) => H - pad - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  g.strokeStyle = '#e3e8ef';
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    g.beginPath(); g.moveTo(pad + (i * (W - 2 * pad)) / 4, pad); g.lineTo(pad + (i * (W - 2 * pad)) / 4, H - pad); g.stroke();
    g.beginPath(); g.moveTo(pad, pad + (i * (H - 2 * pad)) / 4); g.lineTo(W - pad, pad + (i * (H - 2 * pad)) / 4); g.stroke();
  }
  for (const p of points) {
    p.px = [sx(p.xy[0]), sy(p.xy[1])];
    g.beginPath();
    g.arc(p.px[0], p.px[1], p.hit ? 6 : 4.5, 0, 2 * Math.PI);
    g.fillStyle = colourOf(p);
    g.globalAlpha = 0.85;
    g.fill();
    g.globalAlpha = 1;
    if (p.hit) { g.strokeStyle = '#111827'; g.lineWidth = 1.5; g.stroke(); }
  }
  if (qpt) {
    const [qx, qy] = [sx(qpt[0]), sy(qpt[1])];
    g.fillStyle = '#111827';
    g.beginPath();
    for (let i = 0; i < 10; i++) {
      const r = i % 2 ? 5 : 12;
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      g.lineTo(qx + r * Math.cos(a), qy + r * Math.sin(a));
    }
    g.closePath();
    g.fill();
    g.font = '600 13px system-ui, sans-serif';
    g.fillText('query', qx + 14, qy + 4);
  }
  g.fillStyle = '#6b7280';
  g.font = '12px system-ui, sans-serif';
  g.fillText('PC 1 →', W - pad - 44, H - 8);
  g.save(); g.translate(12, pad + 40); g.rotate(-Math.PI / 2); g.fillText('PC 2 →', 0, 0); g.restore();
  return legend;
}

/** render draws the Map page. */
export async function render(view, ctx) {
  await ctx.refresh();
  const info = ctx.info();
  if (!info) { fill(view, h('h1', {}, 'Map'), h('p', { class: 'empty' }, 'No collection yet: create one on the Collections page.')); return; }
  const query = h('input', { id: 'map-q', type: 'search', placeholder: 'optional: place a query on the map', autocomplete: 'off' });
  const instr = h('input', { id: 'map-instruction', placeholder: "empty: the collection's default" });
  const size = h('input', { id: 'map-n', type: 'number', min: 10, max: 1000, value: 300 });
  const colour = h('select', { id: 'map-colour' }, h('option', { value: '' }, '(none)'));
  const out = h('div', { id: 'map-out' });
  const canvas = h('canvas', { id: 'map-canvas', role: 'img', 'aria-label': 'PCA map of the sampled vectors' });
  const legend = h('div', { class: 'legend', id: 'map-legend' });
  const tip = h('div', { class: 'tip', hidden: true });
  const status = h('p', { class: 'muted', id: 'map-status', role: 'status' });
  let state = null;

  const redraw = () => {
    if (!state) return;
    const field = colour.value;
    const cats = [...new Set(state.points.map((p) => String(p.doc.metadata?.[field] ?? '–')))].slice(0, PALETTE.length);
    const colourOf = (p) => (field ? PALETTE[cats.indexOf(String(p.doc.metadata?.[field] ?? '–'))] || '#9ca3af' : '#4e79a7');
    draw(canvas, state.points, state.q, colourOf);
    fill(legend, field ? cats.map((c, i) => h('span', { class: 'key' }, h('i', { class: 'sw', dataset: { c: i } }), c)) : null);
    for (const sw of legend.querySelectorAll('.sw')) sw.style.background = PALETTE[sw.dataset.c];
  };
  colour.addEventListener('change', redraw);
  canvas.addEventListener('mousemove', (ev) => {
    if (!state) return;
    const r = canvas.getBoundingClientRect();
    const [mx, my] = [ev.clientX - r.left, ev.clientY - r.top];
    let best = null;
    let bd = 100;
    for (const p of state.points) {
      const dd = (p.px[0] - mx) ** 2 + (p.px[1] - my) ** 2;
      if (dd < bd) { bd = dd; best = p; }
    }
    tip.hidden = !best;
    if (best) { tip.textContent = (best.doc.title || best.doc.id) + (best.hit ? ' · query hit #' + best.hit : ''); tip.style.left = mx + 12 + 'px'; tip.style.top = my + 'px'; }
  });

  const form = h('form', { class: 'card form-grid', id: 'map-form', 'aria-label': 'Map' },
    h('div', { class: 'wide' }, field('Query', query)), field('Instruction', instr), field('Sample size', size), field('Colour by', colour),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Draw map')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(out);
    status.textContent = 'Sampling…';
    try {
      const path = '/v1/collections/' + enc(info.name) + '/search';
      const n = Math.min(1000, Math.max(10, Number(size.value) || 300));
      // The sample: the documents nearest a random direction (all of them in a small collection).
      const include = ['vector', 'metadata', 'title', 'text'];
      const sample = await api('POST', path, { vector: randomUnit(info.dimension), k: n, mode: 'dense', include });
      const byId = new Map(sample.hits.map((x) => [x.id, { doc: x }]));
      let q = null;
      if (query.value.trim()) {
        if (!info.model) throw new Error('This collection holds pre-computed vectors only; it has no model to embed a query with.');
        const body = { model: info.model, input: [query.value.trim()], input_type: 'query' };
        if (instr.value.trim()) body.instruction = instr.value.trim();
        const emb = await api('POST', '/v1/embeddings', body);
        q = emb.data[0].embedding;
        const near = await api('POST', path, { vector: q, k: 10, mode: 'dense', include });
        near.hits.forEach((x, i) => {
          const p = byId.get(x.id) || { doc: x };
          p.hit = i + 1;
          byId.set(x.id, p);
        });
      }
      const points = [...byId.values()];
      // A chunked collection stores a vector per passage, not per document: embed each
      // sampled document whole (as a document) for the map.
      const missing = points.filter((p) => !p.doc.vector);
      if (missing.length && info.model) {
        for (let i = 0; i < missing.length; i += 64) {
          const part = missing.slice(i, i + 64);
          const emb = await api('POST', '/v1/embeddings', { model: info.model, input_type: 'document', input: part.map((p) => [p.doc.title, p.doc.text].filter(Boolean).join('\n') || p.doc.id) });
          emb.data.forEach((d) => { part[d.index].doc.vector = d.embedding; });
        }
      }
      const embedded = missing.length && info.model ? ' (chunked collection: documents embedded whole for the map)' : '';
      if (points.filter((p) => p.doc.vector).length < 3) throw new Error('The map needs at least 3 documents with vectors; this collection has ' + points.filter((p) => p.doc.vector).length + '.');
      const model = pca(points.map((p) => p.doc.vector));
      for (const p of points) p.xy = model.project(p.doc.vector);
      state = { points, q: q ? model.project(q) : null };
      const keys = [...new Set(points.flatMap((p) => Object.keys(p.doc.metadata || {})))].sort();
      const keep = colour.value;
      fill(colour, h('option', { value: '' }, '(none)'), keys.map((k) => h('option', { value: k }, k)));
      colour.value = keys.includes(keep) ? keep : keys[0] || '';
      status.textContent = num(points.length) + ' documents projected on their first two principal components' + (q ? '; ★ is the query, ringed dots its 10 nearest' : '') + embedded + '.';
      redraw();
    } catch (e) {
      status.textContent = '';
      fill(out, errorBox(e));
    }
  });
  fill(view, h('h1', {}, 'Map ', h('span', { class: 'muted' }, info.name)), form, out, status, legend,
    h('div', { class: 'map-wrap card' }, canvas, tip));
}
