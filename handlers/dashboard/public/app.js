// The live dashboard: polls GET buckets every 2 s (one cheap query per bucket), fetches a bucket's
// chart again when its revision changes (the server caches charts per revision), and shows its
// alerts when the alerts API answers. No framework, no CDN: this file and app.css are all there is.
const keyStorage = 'sizeTracker.apiKey';
const pollMs = 2000;
/** A chart is fetched again at least this often, so "now" moves on even without new points. */
const chartRefreshMs = 30_000;

const $ = (id) => document.getElementById(id);
const cards = new Map();
let polling = false;

function apiKey() {
  return localStorage.getItem(keyStorage) ?? '';
}

function askForKey(why) {
  $('key-why').textContent =
    why ??
    'This dashboard reads the plot API, which needs an API key. It is kept in this browser only (localStorage) and sent as the x-api-key header.';
  $('key-form').hidden = false;
  $('key-input').focus();
}

async function api(path) {
  return fetch(path, { headers: { 'x-api-key': apiKey() }, cache: 'no-store' });
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

const count = (n) => n.toLocaleString('en-US');

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
  $('live').classList.toggle('on', !isError);
  $('live').classList.toggle('off', isError);
}

function card(bucket) {
  let entry = cards.get(bucket);
  if (entry) return entry;
  const node = $('bucket-card').content.firstElementChild.cloneNode(true);
  node.dataset.bucket = bucket;
  node.querySelector('.name').textContent = bucket;
  $('buckets').append(node);
  entry = { node, revision: null, chartFor: '', chartAt: 0, chartBusy: false, alertsAt: 0 };
  cards.set(bucket, entry);
  return entry;
}

function chartSize(node) {
  // steps of 100 px, so viewers with similar windows share the server's cached charts
  const width = Math.min(2000, Math.max(300, Math.round(node.clientWidth / 100) * 100 || 800));
  return `${width}x${Math.round((width * 0.4) / 10) * 10}`;
}

async function refreshChart(entry, bucket, force) {
  const windowSeconds = $('window').value;
  const series = $('series').value;
  const size = chartSize(entry.node.querySelector('.chart'));
  const wanted = `${windowSeconds}|${series}|${size}|${entry.revision}`;
  if (entry.chartBusy || (!force && wanted === entry.chartFor && Date.now() - entry.chartAt < chartRefreshMs))
    return;
  entry.chartBusy = true;
  try {
    const query = new URLSearchParams({ bucket, window: windowSeconds, series, size });
    const response = await api(`plot?${query}`);
    const note = entry.node.querySelector('.chart-note');
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      note.textContent = `chart not available: ${body.error ?? body.message ?? response.status}`;
      return;
    }
    const img = entry.node.querySelector('.chart-img');
    const old = img.src;
    img.src = URL.createObjectURL(await response.blob());
    if (old) URL.revokeObjectURL(old);
    img.alt = `size history of ${bucket}`;
    img.dataset.revision = String(entry.revision);
    entry.chartFor = wanted;
    entry.chartAt = Date.now();
    const cached = response.headers.get('x-chart-cache') === 'hit';
    note.textContent = `revision ${entry.revision} · ${cached ? 'served from the chart cache' : 'drawn for this revision'}`;
  } finally {
    entry.chartBusy = false;
  }
}

function showTotals(entry, summary) {
  const { node } = entry;
  node.querySelector('.badge').hidden = !summary.tracked;
  const t = summary.totals;
  if (!t) {
    node.querySelector('.updated').textContent = 'no history yet';
    return;
  }
  node.querySelector('.current-bytes').textContent = bytes(t.currentBytes);
  node.querySelector('.current-bytes').title = `${count(t.currentBytes)} bytes`;
  node.querySelector('.object-count').textContent = count(t.objectCount);
  node.querySelector('.stored-bytes').textContent = bytes(t.storedBytes);
  node.querySelector('.stored-bytes').title = `${count(t.storedBytes)} bytes`;
  node.querySelector('.stored-versions').textContent = count(t.storedVersions);
  node.querySelector('.updated').textContent = `updated ${t.updated.replace('T', ' ').slice(0, 19)} UTC`;
  node.dataset.revision = String(t.revision);
}

function cell(row, text, tag = 'td') {
  const el = document.createElement(tag);
  el.textContent = text;
  row.append(el);
  return el;
}

function alertValue(metric, value) {
  return typeof value === 'number' && /bytes/i.test(metric) ? bytes(value) : String(value);
}

function renderAlerts(body, data) {
  body.replaceChildren();
  const thresholds = data.thresholds ?? {};
  const rows = Array.isArray(thresholds)
    ? thresholds
    : Object.entries(thresholds).map(([metric, t]) => ({
        metric,
        ...(typeof t === 'object' ? t : { threshold: t }),
      }));
  const fired = data.fired ?? data.firedAlerts ?? data.alerts ?? [];
  const firedList = Array.isArray(fired)
    ? fired
    : Object.entries(fired)
        .filter(([, on]) => on)
        .map(([metric]) => ({ metric }));
  if (rows.length === 0) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = 'no thresholds set for this bucket';
    body.append(p);
  } else {
    const table = document.createElement('table');
    const head = table.insertRow();
    for (const h of ['metric', 'threshold', 'hysteresis', 'state']) cell(head, h, 'th');
    for (const r of rows) {
      const row = table.insertRow();
      cell(row, r.metric);
      cell(row, alertValue(r.metric, r.threshold));
      cell(row, r.hysteresis === undefined ? '–' : alertValue(r.metric, r.hysteresis));
      const isFired = firedList.some((f) => f.metric === r.metric && !f.cleared);
      cell(row, isFired ? 'fired' : 'armed').className = isFired ? 'fired' : '';
    }
    body.append(table);
  }
  // the alerts API's latest fired alerts (newest first); older shapes carried them in the fired list
  const recent = Array.isArray(data.recentAlerts)
    ? data.recentAlerts.slice(0, 5)
    : firedList.filter((f) => f.time || f.value !== undefined).slice(-5);
  if (recent.length > 0) {
    const list = document.createElement('ul');
    for (const f of recent) {
      const item = document.createElement('li');
      item.textContent = `${f.time ?? ''} ${f.metric}: ${alertValue(f.metric, f.value)} ≥ ${alertValue(f.metric, f.threshold)}`;
      list.append(item);
    }
    body.append(list);
  }
}

async function refreshAlerts(entry, bucket) {
  // thresholds change rarely: every 10 s is enough; a missing or refused API is a note, not an error
  if (Date.now() - entry.alertsAt < 10_000) return;
  entry.alertsAt = Date.now();
  const body = entry.node.querySelector('.alerts-body');
  try {
    const response = await api(`alerts/${encodeURIComponent(bucket)}`);
    if (!response.ok) {
      const note = document.createElement('p');
      note.className = 'note';
      note.textContent =
        response.status === 404 || response.status === 403
          ? 'Alerts are not available on this API (no alerts endpoint, or this key may not read it).'
          : `Alerts could not be read (HTTP ${response.status}).`;
      body.replaceChildren(note);
      return;
    }
    renderAlerts(body, await response.json());
  } catch {
    body.replaceChildren(
      Object.assign(document.createElement('p'), {
        className: 'note',
        textContent: 'Alerts could not be read.',
      }),
    );
  }
}

async function poll() {
  if (polling || !apiKey()) return;
  polling = true;
  try {
    const response = await api('buckets');
    if (response.status === 403 || response.status === 401) {
      setStatus('The API refused the key.', true);
      askForKey('The API refused this key (HTTP 403). Enter a valid API key.');
      return;
    }
    if (!response.ok) {
      setStatus(`The API answered HTTP ${response.status}; retrying.`, true);
      return;
    }
    const { buckets } = await response.json();
    await Promise.all(
      buckets.map(async (summary) => {
        const entry = card(summary.bucket);
        showTotals(entry, summary);
        const revision = summary.totals?.revision ?? null;
        const changed = revision !== entry.revision;
        entry.revision = revision;
        const jobs = [refreshAlerts(entry, summary.bucket)];
        if (revision !== null) jobs.push(refreshChart(entry, summary.bucket, changed));
        await Promise.all(jobs);
      }),
    );
    setStatus(
      `Updated ${new Date().toLocaleTimeString('en-GB')} · ${buckets.length} bucket(s) · refreshing every 2 s`,
    );
  } catch {
    setStatus('The API did not answer; retrying.', true);
  } finally {
    polling = false;
  }
}

function start() {
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    localStorage.setItem(keyStorage, $('key-input').value.trim());
    $('key-input').value = '';
    $('key-form').hidden = true;
    poll();
  });
  $('change-key').addEventListener('click', () => askForKey());
  for (const id of ['window', 'series'])
    $(id).addEventListener('change', () => {
      for (const [bucket, entry] of cards) refreshChart(entry, bucket, true);
    });
  if (!apiKey()) {
    setStatus('Waiting for an API key.');
    askForKey();
  } else {
    poll();
  }
  setInterval(poll, pollMs);
}

start();
