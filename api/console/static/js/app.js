// app.js: the console's shell: hash routing, the current collection, the health pill.
import { api } from './api.js';
import { h, fill, errorBox } from './ui.js';
import * as collections from './collections.js';
import * as documents from './documents.js';
import * as search from './search.js';
import * as compare from './compare.js';
import * as evaluate from './evaluate.js';
import * as map from './map.js';
import * as server from './server.js';

const pages = { collections, documents, search, compare, evaluate, map, server };
const CURRENT = 'instructd.collection';

/** ctx is what every page's render gets: the shared state and its helpers. */
const ctx = {
  collections: [],
  models: [],
  /** current is the selected collection's name ('' when there is none). */
  current() { return sessionStorage.getItem(CURRENT) || ''; },
  /** info is the selected collection's description, if loaded. */
  info() { return ctx.collections.find((c) => c.name === ctx.current()); },
  setCurrent(name) {
    sessionStorage.setItem(CURRENT, name);
    document.getElementById('collection').value = name;
  },
  /** refresh reloads the collection list (and keeps the selection when it still exists). */
  async refresh() {
    const res = await api('GET', '/v1/collections');
    ctx.collections = (res.collections || res.data || []).slice().sort((a, b) => a.name.localeCompare(b.name));
    const sel = document.getElementById('collection');
    let cur = ctx.current();
    if (!ctx.collections.some((c) => c.name === cur)) cur = ctx.collections[0]?.name || '';
    fill(sel, ctx.collections.length ? ctx.collections.map((c) => h('option', { value: c.name }, c.name)) : h('option', { value: '' }, '(no collections)'));
    ctx.setCurrent(cur);
    return ctx.collections;
  },
  async loadModels() {
    const res = await api('GET', '/v1/models');
    ctx.models = res.data || [];
    return ctx.models;
  },
  /** go navigates to a page. */
  go(page) { location.hash = '#/' + page; },
};

let renderSeq = 0;

async function route() {
  const name = (location.hash.replace(/^#\/?/, '').split('?')[0]) || 'collections';
  const page = pages[name] || pages.collections;
  for (const a of document.querySelectorAll('nav.side a[data-page]')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const main = document.getElementById('main');
  const seq = ++renderSeq;
  fill(main, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const view = h('div', { class: 'page', id: 'page-' + name });
    await page.render(view, ctx);
    if (seq === renderSeq) fill(main, view);
  } catch (err) {
    if (seq === renderSeq) fill(main, errorBox(err));
  }
  document.title = (name[0].toUpperCase() + name.slice(1)) + ' · instructd console';
}

async function health() {
  const pill = document.getElementById('health');
  try {
    const r = await fetch('/readyz');
    pill.textContent = r.ok ? 'ready' : 'not ready';
    pill.className = 'pill ' + (r.ok ? 'ok' : 'warn');
  } catch {
    pill.textContent = 'unreachable';
    pill.className = 'pill bad';
  }
}

async function start() {
  document.getElementById('collection').addEventListener('change', (ev) => {
    ctx.setCurrent(ev.target.value);
    route();
  });
  window.addEventListener('hashchange', route);
  health();
  setInterval(health, 10000);
  try {
    await Promise.all([ctx.refresh(), ctx.loadModels()]);
  } catch (err) {
    fill(document.getElementById('main'), errorBox(err));
  }
  await route();
  document.body.dataset.ready = 'true';
}

start();
