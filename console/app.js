// The operator console (docs/console.md): plain ES module, no framework, no bundler.
// Reads go to the daemon's API; actions send the admin token kept in sessionStorage in an
// Authorization header (never in a URL, never in a cookie).
import FRANCE from '/console/vendor/france-departements.js';
import OUTRE_MER from '/console/vendor/france-outre-mer.js';

// The overseas départements, each drawn in an inset below the metropolitan map.
const OVERSEAS = OUTRE_MER.locations;
const NAMES = new Map([...FRANCE.locations, ...OVERSEAS].map((d) => [d.id, d.name]));
const view = document.getElementById('view');

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const token = () => sessionStorage.getItem('conventiond-token') || '';
const euros = (n) => (n == null ? '' : new Intl.NumberFormat('fr-FR').format(n) + ' €');

async function api(path, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (token()) headers.Authorization = 'Bearer ' + token();
  const res = await fetch(path, { ...options, headers });
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: { message: text } }; }
  if (!res.ok) throw new Error((body && body.error && body.error.message) || res.status + ' ' + res.statusText);
  return body;
}

// --- Token --------------------------------------------------------------------------------
const form = document.getElementById('token-form');
const tokenState = document.getElementById('token-state');
const showToken = () => { tokenState.textContent = token() ? 'jeton enregistré (session)' : 'lecture seule'; };
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const v = document.getElementById('token').value.trim();
  if (v) sessionStorage.setItem('conventiond-token', v); else sessionStorage.removeItem('conventiond-token');
  document.getElementById('token').value = '';
  showToken();
});
showToken();

// --- Overview: map + table ------------------------------------------------------------------
// A record an operator marked as not a convention counts as nothing found.
function statusOf(c) { return !c || c.facts.not_a_convention ? 'none' : c.facts.signed_on ? 'signed' : 'mentioned'; }

function amountsByYear(facts, funder) {
  const m = new Map();
  for (const l of facts.funding || []) {
    if (l.funder !== funder) continue;
    const k = l.year ?? 'période';
    m.set(k, (m.get(k) || 0) + l.amount_eur);
  }
  return [...m.entries()].map(([y, a]) => `${y} : ${euros(a)}`).join('<br>');
}

function sourceCount(c) {
  const urls = new Set();
  for (const p of c.provenance || []) {
    if (p.chosen && p.chosen.url) urls.add(p.chosen.url);
    for (const a of p.alternatives || []) if (a.source && a.source.url) urls.add(a.source.url);
  }
  return urls.size;
}

function mapSvg(byDep) {
  const { width, height } = OUTRE_MER.inset;
  const tile = (d, i) => {
    const x = 10 + i * 60;
    return `<g data-dep="${d.id}" transform="translate(${x} 540)"><rect width="${width}" height="${height}" class="inset"></rect>` +
      `<path d="${d.path}" class="st-${statusOf(byDep.get(d.id))}"><title>${esc(d.id + ' ' + d.name)}</title></path>` +
      `<text x="2" y="9">${esc(d.id)}</text></g>`;
  };
  const paths = FRANCE.locations.map((d) =>
    `<path data-dep="${d.id}" d="${d.path}" class="st-${statusOf(byDep.get(d.id))}"><title>${esc(d.id + ' ' + d.name)}</title></path>`).join('');
  return `<svg class="map" viewBox="0 0 613 585" role="img" aria-label="Carte des départements">${paths}${OVERSEAS.map(tile).join('')}</svg>`;
}

async function overview() {
  const all = [];
  let cursor = null;
  do {
    const page = await api('/v1/conventions?limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  const byDep = new Map(all.map((c) => [c.facts.departement, c]));
  const rows = all.map((c) => ({
    id: c.id, dep: c.facts.departement, name: NAMES.get(c.facts.departement) || '', signed: c.facts.signed_on || '',
    period: c.facts.period ? `${c.facts.period.start}–${c.facts.period.end}` : '',
    etat: amountsByYear(c.facts, 'etat'), departement: amountsByYear(c.facts, 'departement'),
    measures: (c.facts.measures || []).join(', '), sources: sourceCount(c), rejected: !!c.facts.not_a_convention,
  }));
  const counts = { signed: 0, mentioned: 0, none: 0 };
  for (const c of all) counts[statusOf(c)]++;
  view.innerHTML = `<div class="overview"><div>${mapSvg(byDep)}
    <p class="legend"><span class="signed"></span>signée (${counts.signed})<span class="mentioned"></span>mentionnée (${counts.mentioned})<span class="none"></span>rien trouvé (${101 - all.length + counts.none})</p></div>
    <div><div class="filters"><input id="filter" type="search" placeholder="Filtrer (département, mesure…)" size="30"> <span id="shown" class="muted"></span></div>
    <table id="conventions"><thead><tr>
      <th data-k="dep">Département</th><th data-k="signed">Signature</th><th data-k="period">Période</th>
      <th data-k="etat">État / an</th><th data-k="departement">Département / an</th><th data-k="measures">Mesures</th><th data-k="sources">Sources</th>
    </tr></thead><tbody></tbody></table></div></div>`;
  let sortKey = 'dep', asc = true, filter = '';
  const tbody = view.querySelector('tbody');
  const render = () => {
    const f = filter.toLowerCase();
    const shown = rows.filter((r) => !f || `${r.dep} ${r.name} ${r.measures} ${r.signed}`.toLowerCase().includes(f))
      .sort((a, b) => (a[sortKey] < b[sortKey] ? -1 : a[sortKey] > b[sortKey] ? 1 : 0) * (asc ? 1 : -1));
    tbody.innerHTML = shown.map((r) => `<tr data-id="${esc(r.id)}"${r.rejected ? ' class="rejected" title="pas une convention (correction)"' : ''}><td><a href="#/c/${encodeURIComponent(r.id)}">${esc(r.dep)} ${esc(r.name)}</a></td>` +
      `<td>${esc(r.signed)}</td><td>${esc(r.period)}</td><td class="num">${r.etat}</td><td class="num">${r.departement}</td>` +
      `<td>${esc(r.measures)}</td><td class="num">${r.sources}</td></tr>`).join('');
    document.getElementById('shown').textContent = `${shown.length} / ${rows.length}`;
  };
  view.querySelector('thead').addEventListener('click', (e) => {
    const k = e.target.dataset.k;
    if (!k) return;
    asc = k === sortKey ? !asc : true;
    sortKey = k;
    render();
  });
  document.getElementById('filter').addEventListener('input', (e) => { filter = e.target.value; render(); });
  view.querySelector('svg').addEventListener('click', (e) => {
    const g = e.target.closest('[data-dep]');
    if (!g) return;
    const c = byDep.get(g.dataset.dep);
    if (c) location.hash = '#/c/' + encodeURIComponent(c.id);
  });
  render();
}

// --- One convention -------------------------------------------------------------------------
function quoteOf(ev) { return ev && ev.quote ? `<p class="quote">« ${esc(ev.quote)} »${ev.page ? ` (p. ${ev.page})` : ''}</p>` : ''; }
function sourceLine(s) {
  if (!s) return '';
  return `<a href="${esc(s.url)}" rel="noreferrer noopener">${esc(s.title || s.url)}</a> <span class="muted">${esc(s.rank)} · ${esc(s.fetched_at)}</span>`;
}

async function conventionPage(id) {
  const c = await api('/v1/conventions/' + encodeURIComponent(id));
  const f = c.facts;
  const value = {
    departement: `${esc(f.departement)} ${esc(NAMES.get(f.departement) || '')}`,
    signed_on: esc(f.signed_on || '—'),
    period: f.period ? `${f.period.start}–${f.period.end}` : '—',
    signatories: (f.signatories || []).map((s) => `${esc(s.name)} <span class="muted">(${esc(s.role)})</span>${quoteOf(s.evidence)}`).join('<br>') || '—',
    funding: (f.funding || []).map((l) => `${esc(l.funder)} ${l.year ?? 'période'} : ${euros(l.amount_eur)} <span class="muted">${esc(l.qualifier)}${l.per_year ? ', par an' : ''}</span>${quoteOf(l.evidence)}`).join('<br>') || '—',
    measures: (f.measures || []).map((m) => esc(m) + quoteOf(f.evidence && f.evidence['measures.' + m])).join('<br>') || '—',
    actions: (f.actions || []).map((a) => `${esc(a.code)} ${esc(a.title)}`).join('<br>') || '—',
    amendments: (f.amendments || []).map((a) => `avenant ${a.year ?? ''} ${esc(a.signed_on || '')}`).join('<br>') || '—',
  };
  const prov = new Map((c.provenance || []).map((p) => [p.field, p]));
  const fields = Object.keys(value).map((k) => {
    const p = prov.get(k);
    const ev = (f.evidence && f.evidence[k]) || (p && p.evidence);
    const alts = p && p.alternatives && p.alternatives.length
      ? `<details><summary>${p.alternatives.length} autre(s) valeur(s)</summary>${p.alternatives.map((a) => `<div><code>${esc(JSON.stringify(a.value ?? a.value_json))}</code> — ${sourceLine(a.source)}${quoteOf(a.evidence)}</div>`).join('')}</details>` : '';
    return `<dt>${esc(k)}</dt><dd>${value[k]}${quoteOf(ev)}${p ? `<div>Source : ${sourceLine(p.chosen)}</div>` : ''}${alts}</dd>`;
  }).join('');
  const ind = c.indicators && c.indicators.current ? Object.entries(c.indicators.current).map(([n, v]) =>
    `<li>${esc(n)} : ${esc(v.value)} ${esc(v.unit)} <span class="muted">(${esc(v.period)})</span>${sparkline(n, c.indicators.values || [])}</li>`).join('') : '';
  const [corrections, revisions] = await Promise.all([
    api('/v1/conventions/' + encodeURIComponent(id) + '/corrections'),
    api('/v1/conventions/' + encodeURIComponent(id) + '/revisions')]);
  const verdict = f.not_a_convention
    ? `<p class="err" id="verdict">Pas une convention de ce programme (correction)${quoteOf(f.evidence && f.evidence.not_a_convention)}</p>` : '';
  view.innerHTML = `<p><a href="#/">← Conventions</a></p><h2>${esc(c.id)} <span class="muted">révision ${c.revision}, ${esc(c.updated_at)}</span></h2>
    ${verdict}<dl class="fields">${fields}</dl>${ind ? `<h3>Indicateurs</h3><ul>${ind}</ul>` : ''}
    ${correctionsPanel(corrections.items, prov)}
    <h3>Révisions</h3><ol class="timeline" id="timeline">${timeline(revisions.items)}</ol>
    <p><a href="/v1/conventions/${encodeURIComponent(c.id)}">JSON</a> · <a href="/v1/conventions/${encodeURIComponent(c.id)}/revisions">révisions (JSON)</a></p>`;
  bindCorrections(id);
}

// One indicator over time (its latest value per period) as a small SVG line, oldest period
// on the left; the first and last periods and the lowest and highest values as labels.
function sparkline(name, values) {
  const pts = values.filter((v) => v.name === name && typeof v.value === 'number')
    .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  if (pts.length < 2) return '';
  const w = 240, h = 48, pad = 4;
  const lo = Math.min(...pts.map((p) => p.value)), hi = Math.max(...pts.map((p) => p.value));
  const x = (i) => pad + (i * (w - 2 * pad)) / (pts.length - 1);
  const y = (v) => (hi === lo ? h / 2 : pad + ((hi - v) * (h - 2 * pad)) / (hi - lo));
  const line = pts.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const fmt = (v) => new Intl.NumberFormat('fr-FR').format(v);
  return `<figure class="spark" data-indicator="${esc(name)}"><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(name)} de ${esc(pts[0].period)} à ${esc(pts[pts.length - 1].period)}">` +
    `<polyline points="${line}" fill="none" stroke="#000091" stroke-width="1.5"/>` +
    pts.map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2" fill="#000091"><title>${esc(p.period)} : ${esc(fmt(p.value))} ${esc(p.unit || '')}</title></circle>`).join('') +
    `</svg><figcaption class="muted">${esc(pts[0].period)} → ${esc(pts[pts.length - 1].period)} · min ${esc(fmt(lo))} · max ${esc(fmt(hi))} (${pts.length} périodes)</figcaption></figure>`;
}

// The fields an operator may correct (docs/corrections.md), offered in the form.
const CORRECTABLE = ['signed_on', 'period', 'signatories.prefet', 'signatories.president_departement',
  'funding.etat', 'funding.departement', 'funding.etat.2019', 'funding.etat.2020', 'funding.etat.2021',
  'funding.departement.2019', 'funding.departement.2020', 'funding.departement.2021', 'measures.maraudes'];

function correctionsPanel(items, prov) {
  const fields = new Set([...CORRECTABLE, ...[...prov.keys()].filter((k) => /^(signed_on|period|signatories\.[a-z_]+|funding\.[a-z]+(\.\d{4}|\.per_year)?|measures\.[a-z_]+)$/.test(k) && !k.startsWith('signatories.other'))]);
  const list = items.length ? `<table id="corrections"><thead><tr><th>n°</th><th>Type</th><th>Champ</th><th>Valeur</th><th>Note</th><th>Par</th><th>Le</th><th></th></tr></thead><tbody>${
    items.map((k) => `<tr><td>${k.id}</td><td>${esc(k.kind)}</td><td>${esc(k.field)}</td><td><code>${esc(JSON.stringify(k.value))}</code></td>` +
      `<td>${esc(k.note)}</td><td>${esc(k.author)}</td><td>${esc(k.created_at)}</td><td><button data-uncorrect="${k.id}">Retirer</button></td></tr>`).join('')}</tbody></table>`
    : '<p class="muted">aucune</p>';
  return `<h3>Corrections</h3>${list}
    <form id="correct-form" class="correct" autocomplete="off">
      <label>Type <select id="c-kind"><option value="set">corriger</option><option value="confirm">confirmer</option><option value="not_a_convention">pas une convention</option></select></label>
      <label>Champ <input id="c-field" list="c-fields" size="26" placeholder="funding.etat.2019"></label>
      <datalist id="c-fields">${[...fields].map((f) => `<option value="${esc(f)}">`).join('')}</datalist>
      <label>Valeur (JSON) <input id="c-value" size="34" placeholder='{"amount_eur": 412000}'></label>
      <label>Note <input id="c-note" size="34" placeholder="annexe financière, p. 12"></label>
      <label>Par <input id="c-author" size="12"></label>
      <button type="submit">Enregistrer la correction</button>
    </form><p id="msg"></p>`;
}

// Each revision, newest first, with the facts that changed since the one before.
function timeline(revisions) {
  const out = [];
  for (let i = revisions.length - 1; i >= 0; i--) {
    const r = revisions[i], prev = revisions[i - 1];
    const changed = prev ? Object.keys({ ...r.facts, ...prev.facts }).filter((k) => k !== 'evidence' && JSON.stringify(r.facts[k]) !== JSON.stringify(prev.facts[k])) : ['création'];
    const byOperator = (r.provenance || []).some((p) => p.chosen && p.chosen.rank === 'operator');
    out.push(`<li><b>révision ${r.revision}</b> <span class="muted">${esc(r.updated_at)}</span> — ${esc(changed.join(', ') || 'sources seulement')}${byOperator ? ' <span class="muted">(avec corrections)</span>' : ''}</li>`);
  }
  return out.join('');
}

function bindCorrections(id) {
  const msg = (t, err) => { const m = document.getElementById('msg'); m.textContent = t; m.className = err ? 'err' : ''; };
  const base = '/v1/conventions/' + encodeURIComponent(id) + '/corrections';
  const send = async (path, options) => {
    if (!token()) return msg('Entrez le jeton admin pour agir.', true);
    try {
      await api(path, options);
      await conventionPage(id);
      msg('Correction enregistrée.');
    } catch (e) { msg(e.message, true); }
  };
  const authorInput = document.getElementById('c-author');
  authorInput.value = sessionStorage.getItem('conventiond-author') || '';
  document.getElementById('correct-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { kind: document.getElementById('c-kind').value, author: authorInput.value.trim(), note: document.getElementById('c-note').value };
    const field = document.getElementById('c-field').value.trim();
    const raw = document.getElementById('c-value').value.trim();
    if (body.kind !== 'not_a_convention') body.field = field;
    if (body.kind === 'set') {
      try { body.value = JSON.parse(raw); } catch { return msg('La valeur doit être du JSON : "2019-06-27", {"amount_eur": 412000}, true…', true); }
    }
    sessionStorage.setItem('conventiond-author', body.author);
    send(base, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  });
  view.querySelectorAll('button[data-uncorrect]').forEach((b) => b.addEventListener('click', () =>
    send(base + '/' + b.dataset.uncorrect, { method: 'DELETE' })));
}

// --- Jobs and runs --------------------------------------------------------------------------
async function runsPage(cursor) {
  const [jobs, runs] = await Promise.all([api('/v1/jobs'), api('/v1/runs?limit=50' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))]);
  const jobRows = jobs.items.map((j) => `<tr><td>${esc(j.name)}</td><td>${esc(j.connector)}</td><td>${esc(j.schedule)}</td>` +
    `<td>${j.last_run ? `<a href="#/run/${j.last_run.id}">${j.last_run.id}</a> ${esc(j.last_run.status)}` : '—'}</td><td>${j.paused ? `<span class="err" title="${esc(j.paused)}">paused</span>` : esc(j.next_run_at || '—')}</td>` +
    `<td><button data-trigger="${esc(j.name)}">Lancer</button></td></tr>`).join('');
  const runRows = runs.items.map((r) => `<tr><td><a href="#/run/${r.id}">${r.id}</a></td><td>${esc(r.job)}</td><td class="st-run-${esc(r.status)}">${esc(r.status)}</td>` +
    `<td class="num">${r.counts.total}</td><td class="num">${r.counts.failed}</td><td>${esc(r.started_at)}</td><td>${esc(r.finished_at || '')}</td>` +
    `<td>${r.status === 'running' ? `<button data-cancel="${r.id}">Annuler</button>` : ''}</td></tr>`).join('');
  view.innerHTML = `<h2>Jobs</h2><table><thead><tr><th>Job</th><th>Connecteur</th><th>Planification</th><th>Dernier run</th><th>Prochain</th><th></th></tr></thead><tbody>${jobRows}</tbody></table>
    <h2>Runs</h2><table><thead><tr><th>Run</th><th>Job</th><th>Statut</th><th>Items</th><th>Échecs</th><th>Début</th><th>Fin</th><th></th></tr></thead><tbody>${runRows}</tbody></table>
    ${runs.next_cursor ? `<p><a href="#/runs/${encodeURIComponent(runs.next_cursor)}">Runs plus anciens →</a></p>` : ''}<p id="msg"></p>`;
  bindActions();
}

async function runPage(id) {
  const r = await api('/v1/runs/' + encodeURIComponent(id));
  const failed = (r.failed_items || []).map((f) => `<tr><td>${esc(f.url)}</td><td>${f.http_status || ''}</td><td>${esc(f.error)}</td><td class="num">${f.attempts}</td></tr>`).join('');
  view.innerHTML = `<p><a href="#/runs">← Jobs et runs</a></p><h2>Run ${r.id} — ${esc(r.job)} <span class="st-run-${esc(r.status)}">${esc(r.status)}</span></h2>
    <p id="run-counts">${Object.entries(r.counts).map(([k, v]) => `${esc(k)} : ${v}`).join(' · ')}</p>
    ${r.error ? `<p class="err">${esc(r.error)}</p>` : ''}
    <p>${r.status === 'running' ? `<button data-cancel="${r.id}">Annuler</button>` : ''}
    ${failed && r.status !== 'running' ? `<button data-retry="${r.id}">Relancer les échecs</button>` : ''}</p>
    <h3>Items en échec</h3>${failed ? `<table><thead><tr><th>URL</th><th>HTTP</th><th>Raison</th><th>Essais</th></tr></thead><tbody>${failed}</tbody></table>` : '<p class="muted">aucun</p>'}<p id="msg"></p>`;
  bindActions();
  if (r.status === 'running') followRun(id);
}

// A running run's counts, live: its progress stream (GET /v1/runs/{id}/stream, Server-Sent
// Events); the whole page is read again when it ends. When the stream fails (reads that need
// a token: EventSource sends no header), the page is read again after 2 s, as before.
let liveRun = null;  // the one progress stream open (a page read again opens a new one)
function followRun(id) {
  const here = () => location.hash === '#/run/' + id;
  if (liveRun) liveRun.close();
  const es = new EventSource('/v1/runs/' + encodeURIComponent(id) + '/stream');
  liveRun = es;
  es.addEventListener('progress', (e) => {
    const el = document.getElementById('run-counts');
    if (!here() || !el) { es.close(); return; }
    const run = JSON.parse(e.data);
    el.textContent = Object.entries(run.counts).map(([k, v]) => `${k} : ${v}`).join(' · ');
    el.dataset.live = 'yes';
  });
  es.addEventListener('end', () => { es.close(); if (here()) route(); });
  es.onerror = () => { es.close(); setTimeout(() => { if (here()) route(); }, 2000); };
}

function bindActions() {
  const msg = (t, err) => { const m = document.getElementById('msg'); m.textContent = t; m.className = err ? 'err' : ''; };
  view.querySelectorAll('button[data-trigger], button[data-cancel], button[data-retry]').forEach((b) => b.addEventListener('click', async () => {
    if (!token()) return msg('Entrez le jeton admin pour agir.', true);
    try {
      let res;
      if (b.dataset.trigger) res = await api('/v1/jobs/' + encodeURIComponent(b.dataset.trigger) + '/run', { method: 'POST' });
      else if (b.dataset.cancel) res = await api('/v1/runs/' + b.dataset.cancel + '/cancel', { method: 'POST' });
      else res = await api('/v1/runs/' + b.dataset.retry + '/retry-failed', { method: 'POST' });
      msg('OK : ' + JSON.stringify(res));
      setTimeout(route, 800);
    } catch (e) { msg(e.message, true); }
  }));
}

// --- Publication: webhook subscriptions and sinks, with their lag ---------------------------
async function latestSeq() {
  const res = await fetch('/v1/changes?since=0&limit=1', { headers: token() ? { Authorization: 'Bearer ' + token() } : {} });
  const body = await res.json();
  if (res.ok) return body.latest_seq;
  if (res.status === 410) return (await api('/v1/changes?limit=1&since=' + body.error.resume_from)).latest_seq;
  throw new Error((body.error && body.error.message) || res.statusText);
}

async function publishPage() {
  const [latest, sinks] = await Promise.all([latestSeq(), api('/v1/sinks')]);
  let subs = null;
  if (token()) subs = await api('/v1/subscriptions');
  const lag = (cursor) => Math.max(0, latest - cursor);
  const err = (e, at) => (e ? `<span class="err">${esc(e)}</span>${at ? ` <span class="muted">${esc(at)}</span>` : ''}` : '—');
  const subRows = subs ? subs.items.map((s) => `<tr><td>${s.id}</td><td>${esc(s.url)}</td><td class="st-run-${s.status === 'paused' ? 'failed' : 'done'}">${esc(s.status)}</td>` +
    `<td class="num">${s.cursor}</td><td class="num">${lag(s.cursor)}</td><td class="num">${s.consecutive_failures}</td><td>${err(s.last_error, s.last_error_at)}</td>` +
    `<td class="num">${s.dead_letters ? `<a href="#/letters/${s.id}">${s.dead_letters}</a>` : 0}</td>` +
    `<td><button data-ping="${s.id}">Tester</button> <button data-rotate="${s.id}" title="un nouveau secret ; l'ancien signe aussi pendant 24 h">Nouveau secret</button>` +
    `${s.status === 'paused' ? ` <button data-resume="${s.id}">Reprendre</button>` : ''}</td></tr>`).join('') : '';
  const sinkRows = sinks.items.map((s) => `<tr><td>${esc(s.name)}</td><td class="num">${s.cursor}</td><td class="num">${lag(s.cursor)}</td>` +
    `<td class="num">${s.delivered}</td><td class="num">${s.failures}</td><td>${err(s.last_error)}</td></tr>`).join('');
  view.innerHTML = `<h2>Publication <span class="muted">dernier événement : ${latest}</span></h2>
    <h3>Abonnements webhook</h3>${subs ? (subRows ? `<table id="subscriptions"><thead><tr><th>n°</th><th>URL</th><th>Statut</th><th>Curseur</th><th>Retard</th><th>Échecs</th><th>Dernière erreur</th><th>Lettres mortes</th><th></th></tr></thead><tbody>${subRows}</tbody></table>` : '<p class="muted">aucun</p>')
      : '<p class="muted">Entrez le jeton admin pour voir les abonnements.</p>'}
    <h3>Sinks</h3>${sinkRows ? `<table id="sinks"><thead><tr><th>Sink</th><th>Curseur</th><th>Retard</th><th>Livrés</th><th>Échecs</th><th>Dernière erreur</th></tr></thead><tbody>${sinkRows}</tbody></table>` : '<p class="muted" id="no-sinks">aucun sink configuré</p>'}
    <p id="msg"></p>`;
  bindPublishActions();
}

async function lettersPage(id) {
  const letters = await api('/v1/subscriptions/' + encodeURIComponent(id) + '/dead-letters');
  const rows = letters.items.map((l) => `<tr><td>${l.id}</td><td class="num">${l.seq}</td><td>${esc(l.error)}</td><td class="num">${l.attempts}</td><td>${esc(l.created_at)}</td>` +
    `<td><button data-replay="${l.id}">Renvoyer</button></td></tr>`).join('');
  view.innerHTML = `<p><a href="#/publish">← Publication</a></p><h2>Lettres mortes de l'abonnement ${esc(id)}</h2>
    ${rows ? `<table><thead><tr><th>n°</th><th>Événement</th><th>Erreur</th><th>Essais</th><th>Le</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">aucune</p>'}<p id="msg"></p>`;
  bindPublishActions();
}

function bindPublishActions() {
  const msg = (t, e) => { const m = document.getElementById('msg'); m.textContent = t; m.className = e ? 'err' : ''; };
  view.querySelectorAll('button[data-ping], button[data-resume], button[data-replay], button[data-rotate]').forEach((b) => b.addEventListener('click', async () => {
    if (!token()) return msg('Entrez le jeton admin pour agir.', true);
    try {
      if (b.dataset.rotate) {
        // The daemon makes the secret and shows it this once; the previous one also signs
        // for 24 h (docs/webhooks.md, "Rotating the secret").
        const r = await api('/v1/subscriptions/' + b.dataset.rotate + '/rotate-secret', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
        msg(`Nouveau secret (affiché une seule fois) : ${r.secret}` +
            (r.previous_secret_expires_at ? ` — l'ancien signe aussi jusqu'au ${r.previous_secret_expires_at}` : ''));
        return;
      }
      if (b.dataset.ping) {
        const r = await api('/v1/subscriptions/' + b.dataset.ping + '/ping', { method: 'POST' });
        msg(r.delivered ? `Reçu : HTTP ${r.http_status} en ${r.duration_ms} ms` : `Échec : ${r.error}`, !r.delivered);
        return;
      }
      if (b.dataset.resume) await api('/v1/subscriptions/' + b.dataset.resume + '/resume', { method: 'POST' });
      else await api('/v1/dead-letters/' + b.dataset.replay + '/replay', { method: 'POST' });
      msg('OK');
      setTimeout(route, 800);
    } catch (e) { msg(e.message, true); }
  }));
}

// --- Router ---------------------------------------------------------------------------------
async function route() {
  const h = location.hash || '#/';
  try {
    let m;
    if ((m = h.match(/^#\/c\/(.+)$/))) await conventionPage(decodeURIComponent(m[1]));
    else if ((m = h.match(/^#\/run\/(\d+)$/))) await runPage(m[1]);
    else if ((m = h.match(/^#\/runs(?:\/(\d+))?$/))) await runsPage(m[1]);
    else if (h === '#/publish') await publishPage();
    else if ((m = h.match(/^#\/letters\/(\d+)$/))) await lettersPage(m[1]);
    else await overview();
  } catch (e) {
    view.innerHTML = `<p class="err">${esc(e.message)}</p>`;
  }
}
window.addEventListener('hashchange', route);
route();
