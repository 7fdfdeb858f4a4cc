// hits.js: how a search hit is drawn, shared by Search and Compare.
import { h, highlight, clip, num } from './ui.js';

/** violation says why a hit was likely demoted: it mentions every word of an exclusion. */
export function violation(hit, constraints) {
  const ex = constraints?.exclude || [];
  if (!ex.length) return '';
  const hay = ((hit.title || '') + ' ' + (hit.text || '') + ' ' + (hit.passage?.text || '')).toLowerCase();
  for (const phrase of ex) {
    const words = (phrase.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []);
    if (words.length && words.every((w) => new RegExp('(?<![\\p{L}\\p{N}])' + w + '(?![\\p{L}\\p{N}])', 'u').test(hay))) {
      return 'mentions “' + phrase + '”, which the ' + ((constraints.extracted || []).includes(phrase) ? 'instruction' : 'request') + ' excludes';
    }
  }
  return '';
}

/** hitCard renders one hit; badge is an optional element (Compare's rank change). */
export function hitCard(hit, rank, words, opts = {}) {
  const { top = 1, bottom = 0, constraints, badge } = opts;
  const why = violation(hit, constraints);
  // Bars span the list's score range, so that close scores (RRF) still differ visibly.
  const pct = top > bottom ? 12 + 88 * ((hit.score - bottom) / (top - bottom)) : 100;
  const meta = Object.entries(hit.metadata || {}).slice(0, 6);
  return h('li', { class: 'hit' + (why ? ' demoted' : '') + (opts.cls ? ' ' + opts.cls : ''), 'data-id': hit.id },
    h('div', { class: 'hit-head' },
      h('span', { class: 'rank' }, rank),
      h('span', { class: 'hit-title' }, highlight(hit.title || hit.id, words)),
      badge || null,
      h('span', { class: 'score', title: 'score' }, num(hit.score, 4))),
    h('div', { class: 'scorebar', 'aria-hidden': 'true' }, h('span', { style: null, dataset: { w: pct } })),
    hit.title ? h('div', { class: 'hit-id muted' }, hit.id) : null,
    hit.passage
      ? h('blockquote', { class: 'passage', title: 'best passage #' + hit.passage.index }, h('span', { class: 'tag' }, 'best passage'), ' ', highlight(clip(hit.passage.text, words), words))
      : h('p', { class: 'snippet' }, highlight(clip(hit.text, words), words)),
    meta.length ? h('div', { class: 'chips' }, meta.map(([k, v]) => h('span', { class: 'chip' }, k + ': ' + (typeof v === 'object' ? JSON.stringify(v) : v)))) : null,
    why ? h('p', { class: 'demoted-why' }, h('strong', {}, 'Demoted: '), why) : null);
}

/** sizeBars applies score-bar widths (CSP forbids inline style attributes, not CSSOM). */
export function sizeBars(root) {
  for (const s of root.querySelectorAll('.scorebar span')) s.style.width = s.dataset.w + '%';
}

/** constraintsBox shows the negative constraints a search applied. */
export function constraintsBox(c) {
  if (!c || !(c.exclude || []).length) return null;
  const scope = new Map((c.scoped || []).map((s) => [s.exclude, s.scope]));
  return h('div', { class: 'constraints', id: 'constraints' },
    h('strong', {}, 'Constraints: '), 'excluded ',
    c.exclude.map((e) => h('span', { class: 'chip ex' + ((c.extracted || []).includes(e) ? ' extracted' : ''), title: scope.has(e) ? 'applies to: ' + scope.get(e) : 'applies to every passage' },
      e, scope.has(e) ? h('span', { class: 'muted' }, ' in “' + scope.get(e) + '”') : null)),
    c.semantic_similarity ? h('span', { class: 'muted' }, ' · also in other words (similarity ≥ ' + num(c.semantic_similarity, 2) + ')') : null,
    (c.extracted || []).length ? h('span', { class: 'muted' }, ' (' + c.extracted.length + ' extracted from the instruction/query)') : null,
    h('span', { class: 'muted' }, ' · penalty ' + c.penalty));
}

/** warningsBox shows the server's warnings about a result. */
export function warningsBox(ws) {
  if (!ws || !ws.length) return null;
  return h('div', { class: 'warning', role: 'note' }, ws.map((w) => h('p', {}, '⚠ ' + w)));
}
