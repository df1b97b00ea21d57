// Entry point: reads the index (global or zone), routes '#/...' to a view, refreshes the view
// every 2 s while the tab is visible, and reports API errors (401/403 ask for a token).

import { ApiError, get, getAll, setToken, token } from './api.js';
import { h, link, setText } from './dom.js';
import {
  dataplaneView, dataplanesView, meshesView, policiesView, policyView, servicesView, zonesView,
} from './views.js';

const POLL_MS = 2000;
const MESH_KEY = 'meshfed.mesh';

const ctx = { global: false, zone: null, mesh: sessionStorage.getItem(MESH_KEY) || 'default' };
let view = null;
let timer = null;
let generation = 0;
let started = false;
ctx.refreshNow = () => tick();

function routes() {
  const nav = [];
  if (ctx.global) nav.push(['Zones', 'zones']);
  nav.push(['Meshes', 'meshes'], ['Services', 'services'], ['Dataplanes', 'dataplanes'], ['Policies', 'policies']);
  return nav;
}

function parseHash() {
  return location.hash.replace(/^#\/?/, '').split('/').filter(s => s.length > 0).map(decodeURIComponent);
}

function createView(parts) {
  const [name, ...rest] = parts;
  switch (name) {
    case 'zones': return ctx.global ? zonesView(ctx) : null;
    case 'meshes': return meshesView(ctx);
    case 'services': return servicesView(ctx);
    case 'dataplanes': return dataplanesView(ctx);
    case 'dataplane': return rest.length === 2 ? dataplaneView(ctx, rest[0], rest[1]) : null;
    case 'policies': return policiesView(ctx, rest[0]);
    case 'policy': return rest.length === 3 ? policyView(ctx, rest[0], rest[1], rest[2]) : null;
    default: return null;
  }
}

function showError(e) {
  const status = document.getElementById('status');
  if (!e) {
    status.hidden = true;
    return;
  }
  let text;
  if (e instanceof ApiError && e.authProblem) {
    text = `The API refused this page (${e.status}): ${e.detail || 'no detail'}. `
      + (token() ? 'The token given was not accepted: enter another one above.'
        : 'Enter a user token above (away from the control plane\'s own host the API needs one).');
  } else if (e instanceof ApiError && e.status === 0) {
    text = `The control plane does not answer (${e.detail}); retrying every ${POLL_MS / 1000} s.`;
  } else {
    text = String(e.message || e);
  }
  setText(status, text);
  status.hidden = false;
}

async function refreshMeshes() {
  const meshes = (await getAll('/meshes')).map(m => m.name);
  const select = document.getElementById('mesh');
  const current = [...select.options].map(o => o.value);
  if (meshes.length > 0 && !meshes.includes(ctx.mesh)) {
    ctx.mesh = meshes[0];
    mount();
  }
  if (current.join('\n') !== meshes.join('\n')) {
    select.replaceChildren(...meshes.map(m => h('option', { value: m }, m)));
  }
  select.value = ctx.mesh;
}

async function tick() {
  const mine = generation;
  clearTimeout(timer);
  timer = null;
  try {
    await refreshMeshes();
    if (view && mine === generation) await view.refresh();
    showError(null);
    setText(document.getElementById('updated'),
      `updated ${new Date().toLocaleTimeString()}; refreshed every ${POLL_MS / 1000} s while this tab is visible`);
  } catch (e) {
    if (mine === generation) showError(e);
  }
  if (mine === generation && !document.hidden) timer = setTimeout(tick, POLL_MS);
}

function mount() {
  generation++;
  const parts = parseHash();
  view = createView(parts);
  if (!view) {
    location.replace('#/' + routes()[0][1]);
    return;
  }
  const section = parts[0] === 'dataplane' ? 'dataplanes' : parts[0] === 'policy' ? 'policies' : parts[0];
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.getAttribute('href') === '#/' + section);
  }
  document.title = `${view.title} · meshfed`;
  document.getElementById('view').replaceChildren(view.el);
  tick();
}

async function start() {
  document.getElementById('token-form').addEventListener('submit', e => {
    e.preventDefault();
    const input = document.getElementById('token');
    setToken(input.value.trim());
    input.value = '';
    if (started) mount();
  });
  document.getElementById('token-clear').addEventListener('click', () => {
    setToken('');
    if (started) mount();
  });
  document.getElementById('mesh').addEventListener('change', e => {
    ctx.mesh = e.target.value;
    sessionStorage.setItem(MESH_KEY, ctx.mesh);
    if (started) mount();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (!timer && started) {
      tick();
    }
  });

  let index;
  for (;;) {
    try {
      index = await get('/');
      break;
    } catch (e) {
      showError(e);
      await new Promise(resolve => setTimeout(resolve, POLL_MS));
    }
  }
  ctx.global = index.mode === 'global';
  ctx.zone = index.zone || null;
  setText(document.getElementById('cp'),
    `${ctx.global ? 'global control plane' : 'zone ' + ctx.zone} · ${index.product} ${index.version}`);
  document.getElementById('nav').replaceChildren(...routes().map(([title, path]) => link(title, path)));
  window.addEventListener('hashchange', mount);
  started = true;
  mount();
}

start();
