// server.js: models, health and key metrics (parsed from the Prometheus text at /metrics).
import { api } from './api.js';
import { h, fill, errorBox, num, table } from './ui.js';

/** parseMetrics reads Prometheus text exposition into {name: [{labels, value}]}. */
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    (out[m[1]] ||= []).push({ labels, value: Number(m[3]) });
  }
  return out;
}

const sum = (xs) => (xs || []).reduce((s, x) => s + x.value, 0);

/** quantile estimates a histogram quantile from its cumulative buckets (as Prometheus does). */
export function quantile(buckets, q) {
  const bs = (buckets || []).map((b) => ({ le: b.labels.le === '+Inf' ? Infinity : Number(b.labels.le), n: b.value })).sort((a, b) => a.le - b.le);
  const merged = [];
  for (const b of bs) {
    const last = merged[merged.length - 1];
    if (last && last.le === b.le) last.n += b.n; else merged.push({ ...b });
  }
  const total = merged.length ? merged[merged.length - 1].n : 0;
  if (!total) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const b of merged) {
    if (b.n >= rank) {
      if (b.le === Infinity) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevN)) / Math.max(b.n - prevN, 1e-9);
    }
    prevLe = b.le;
    prevN = b.n;
  }
  return prevLe;
}

function histo(m, name) {
  const count = sum(m[name + '_count']);
  return { count, mean: count ? sum(m[name + '_sum']) / count : NaN, p50: quantile(m[name + '_bucket'], 0.5), p95: quantile(m[name + '_bucket'], 0.95) };
}

function card(label, value, sub, id) {
  return h('div', { class: 'metric', id }, h('span', { class: 'm-label' }, label), h('b', {}, value), sub ? h('small', { class: 'muted' }, sub) : null);
}

const ms = (s) => (Number.isNaN(s) ? '–' : num(s * 1000, 1) + ' ms');

/** render draws the Server page. */
export async function render(view, ctx) {
  const models = await ctx.loadModels();
  const [hz, rz] = await Promise.all(['/healthz', '/readyz'].map((p) => fetch(p).then((r) => r.ok).catch(() => false)));
  let metrics = null;
  let metricsErr = null;
  try {
    metrics = parseMetrics(await api('GET', '/metrics'));
  } catch (e) {
    metricsErr = e;
  }
  const testPacks = models.filter((m) => !m.semantic);
  const modelRows = models.map((m) => h('tr', { 'data-model': m.id },
    h('td', {}, h('code', {}, m.id), m.default ? h('span', { class: 'badge same' }, 'default') : null),
    h('td', {}, m.kind || 'embedder'), h('td', { class: 'num' }, m.kind === 'reranker' ? '–' : m.dimension || '–'), h('td', { class: 'num' }, m.max_tokens),
    h('td', {}, m.pooling || ''), h('td', {}, m.instruction_mode || ''),
    h('td', {}, m.semantic ? h('span', { class: 'pill ok' }, 'semantic') : h('span', { class: 'pill warn', title: 'random weights' }, 'test pack'))));
  let metricsEl;
  if (metrics) {
    const search = histo(metrics, 'instructd_search_duration_seconds');
    const batch = histo(metrics, 'instructd_embed_batch_size');
    const infer = histo(metrics, 'instructd_embed_batch_duration_seconds');
    const http = sum(metrics.instructd_http_requests_total);
    const errors = sum((metrics.instructd_http_requests_total || []).filter((x) => /^[45]/.test(x.labels.code || x.labels.status || '')));
    metricsEl = h('div', { class: 'metrics-grid', id: 'server-metrics' },
      card('Embed queue depth', num(sum(metrics.instructd_embed_queue_depth)), 'texts waiting', 'm-queue'),
      card('Embed batch size', Number.isNaN(batch.mean) ? '–' : num(batch.mean, 1), num(batch.count) + ' batches · p95 ' + (Number.isNaN(batch.p95) ? '–' : num(batch.p95, 0)), 'm-batch'),
      card('Inference per batch', ms(infer.mean), 'p95 ' + ms(infer.p95), 'm-infer'),
      card('Search latency p50', ms(search.p50), num(search.count) + ' searches · p95 ' + ms(search.p95), 'm-search'),
      card('HTTP requests', num(http), num(errors) + ' answered 4xx/5xx · ' + num(sum(metrics.instructd_http_requests_in_flight)) + ' in flight', 'm-http'),
      card('Documents stored', num(sum(metrics.instructd_collection_documents)), num(sum(metrics.instructd_ingest_documents_total)) + ' upserted since start', 'm-docs'));
  } else {
    metricsEl = errorBox(metricsErr);
  }
  fill(view,
    h('h1', {}, 'Server'),
    h('div', { class: 'row health', id: 'server-health' },
      h('span', { class: 'pill ' + (hz ? 'ok' : 'bad') }, 'healthz: ' + (hz ? 'ok' : 'failing')),
      h('span', { class: 'pill ' + (rz ? 'ok' : 'warn') }, 'readyz: ' + (rz ? 'ready' : 'not ready')),
      h('button', { class: 'small', onclick: () => render(view, ctx) }, 'Refresh')),
    testPacks.length ? h('div', { class: 'warning', role: 'note', id: 'test-pack-warning' },
      h('p', {}, h('strong', {}, testPacks.length > 1 ? '⚠ Test packs loaded: ' : '⚠ Test pack loaded: '), testPacks.map((m) => m.id).join(', ') + ' ' + (testPacks.length > 1 ? 'have' : 'has') +
        ' random weights: the scores ' + (testPacks.length > 1 ? 'they give' : 'it gives') + ' carry no meaning. Use ' + (testPacks.length > 1 ? 'them' : 'it') + ' to try the API, not to judge retrieval; lexical mode is unaffected.')) : null,
    h('h2', {}, 'Models'),
    table(['Model', 'Kind', 'Dim', 'Max tokens', 'Pooling', 'Instructions', 'Meaning'], modelRows, { class: 'grid', id: 'models-table' }),
    h('h2', {}, 'Metrics'), h('p', { class: 'muted' }, 'From /metrics, since the server started.'),
    metricsEl);
}
