// ui.js: small DOM helpers shared by the pages.

/** h builds an element: h('a', {href: '#'}, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** clear empties el and fills it with children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** errorBox renders an error message for the user (role=alert, so readers announce it). */
export function errorBox(err) {
  const msg = err && err.message ? err.message : String(err);
  const code = err && err.code ? err.code + ': ' : '';
  return h('div', { class: 'error-box', role: 'alert' }, code + msg);
}

/** num formats numbers compactly. */
export function num(n, digits = 3) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toFixed(digits);
}

/** bytes formats a byte count. */
export function bytes(n) {
  if (!n) return '0 B';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + u[i];
}

const stop = new Set(['a', 'an', 'the', 'of', 'and', 'or', 'to', 'in', 'on', 'for', 'with', 'is', 'are', 'be', 'by', 'at', 'as', 'it', 'that', 'this', 'what', 'which', 'how', 'not', 'no', 'about']);

/** terms splits a query into lower-case words worth highlighting. */
export function terms(text) {
  return [...new Set((text || '').toLowerCase().match(/[\p{L}\p{N}]+/gu) || [])].filter((t) => t.length > 1 && !stop.has(t));
}

function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

/** highlight returns nodes of text with every word of words wrapped in <mark>. */
export function highlight(text, words) {
  if (!text) return [];
  if (!words.length) return [text];
  const re = new RegExp('(?<![\\p{L}\\p{N}])(' + words.map(escapeRe).join('|') + ')(?![\\p{L}\\p{N}])', 'giu');
  const out = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h('mark', {}, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** clip shortens text to about n characters around the first matched word. */
export function clip(text, words, n = 320) {
  if (!text || text.length <= n) return text || '';
  const lower = text.toLowerCase();
  let at = -1;
  for (const w of words) {
    const i = lower.indexOf(w);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  const start = Math.max(0, Math.min(at < 0 ? 0 : at - n / 4, text.length - n));
  return (start > 0 ? '…' : '') + text.slice(start, start + n) + (start + n < text.length ? '…' : '');
}

/** confirmDialog asks a yes/no question in the page's dialog; resolves true on yes. */
export function confirmDialog(title, text, okLabel = 'Delete') {
  const dlg = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  dlg.returnValue = '';
  dlg.showModal();
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
  });
}

/** parseFilter checks a filter textarea: '' → undefined; else a JSON object or a thrown Error. */
export function parseFilter(text) {
  const t = (text || '').trim();
  if (!t) return undefined;
  let v;
  try {
    v = JSON.parse(t);
  } catch (e) {
    throw new Error('Filter is not valid JSON: ' + e.message + '. Example: {"lang": "en"} or {"year": {"$gt": 2020}}');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error('Filter must be a JSON object such as {"lang": "en"}, not ' + (Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'null' : 'a ' + typeof v) + '.');
  }
  return v;
}

/** field renders a labelled form control. */
export function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), control, hint ? h('small', { class: 'hint' }, hint) : null);
}

/** table renders rows as a table with the given column heads. */
export function table(heads, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, heads.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows));
}
