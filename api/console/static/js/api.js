// api.js: every call the console makes goes through here, to the public HTTP API.
// An API key, when the server asks for one (401), is kept in sessionStorage only.

const KEY = 'instructd.apiKey';
let pendingKey = null;

/** APIError carries the server's {"error":{"code","message"}}. */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code || '';
  }
}

function authHeaders(extra) {
  const h = { ...extra };
  const key = sessionStorage.getItem(KEY);
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

/** askKey shows the key dialog once, however many calls were refused meanwhile. */
function askKey(hadKey) {
  if (pendingKey) return pendingKey;
  const dlg = document.getElementById('key-dialog');
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  document.getElementById('key-error').textContent = hadKey ? 'That key was refused; try another.' : '';
  pendingKey = new Promise((resolve, reject) => {
    form.onsubmit = (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(KEY, input.value.trim());
      input.value = '';
      dlg.oncancel = null;
      dlg.close();
      pendingKey = null;
      resolve();
    };
    // Escape closes the dialog: the call fails with the server's answer instead of waiting.
    dlg.oncancel = () => {
      dlg.oncancel = null;
      pendingKey = null;
      reject(new APIError(401, 'unauthorized', 'This server needs an API key; reload the page to enter one.'));
    };
  });
  if (!dlg.open) dlg.showModal();
  input.focus();
  return pendingKey;
}

async function errorFrom(res) {
  const text = await res.text();
  try {
    const j = JSON.parse(text);
    if (j && j.error) return new APIError(res.status, j.error.code, j.error.message);
  } catch { /* not JSON */ }
  return new APIError(res.status, '', text.trim() || res.status + ' ' + res.statusText);
}

/**
 * request sends one call and returns the Response once it is not a 401 (asking for a key
 * until the server accepts one). Bodies that are objects go as JSON.
 */
export async function request(method, path, body, headers = {}) {
  for (;;) {
    const h = authHeaders(headers);
    const init = { method, headers: h };
    if (body !== undefined) {
      if (typeof body === 'string' || body instanceof Blob) {
        init.body = body;
      } else {
        init.body = JSON.stringify(body);
        h['Content-Type'] = 'application/json';
      }
    }
    const res = await fetch(path, init);
    if (res.status !== 401) return res;
    await res.body?.cancel();
    await askKey(Boolean(sessionStorage.getItem(KEY)));
  }
}

/** api sends a call and returns its parsed JSON (or text), throwing APIError on failure. */
export async function api(method, path, body) {
  const res = await request(method, path, body);
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return null;
  const text = await res.text();
  try { return JSON.parse(text); } catch { return text; }
}

/** streamNDJSON posts body as NDJSON and calls onLine with every JSON line answered. */
export async function streamNDJSON(path, body, onLine) {
  const res = await request('POST', path, body, { 'Content-Type': 'application/x-ndjson', Accept: 'application/x-ndjson' });
  if (!res.ok) throw await errorFrom(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buf += value;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onLine(JSON.parse(line));
    }
    if (done) break;
  }
  if (buf.trim()) onLine(JSON.parse(buf));
}

export const enc = encodeURIComponent;
