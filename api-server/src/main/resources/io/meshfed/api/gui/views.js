// The views. Each one is {title, el, refresh()}: refresh() reads the API and updates el in place,
// then marks el with data-ready, and data-ready-ms with the milliseconds since the page's
// navigation began (tests and the page-load benchmark wait for them).

import { get, getAll, getYaml, seg } from './api.js';
import { KeyedTable, ago, badge, h, link, setText, time } from './dom.js';
import { POLICY_TYPES, policyType } from './types.js';

const PAGE_SIZE = 50;

function ready(el) {
  if (el.hasAttribute('data-ready')) return;
  el.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  el.setAttribute('data-ready', 'true');
}

function onlineBadge(online) {
  return online ? badge('online', 'ok') : badge('offline', 'bad');
}

/** The newest subscription of an insight (by connect time), or undefined. */
function newest(subscriptions) {
  return (subscriptions || []).reduce(
    (a, b) => (!a || (b.connectTime || '') >= (a.connectTime || '') ? b : a), undefined);
}

/** Paging over a list endpoint: [‹ prev] 1–50 of 1000 [next ›]. */
class Pager {
  constructor(onChange) {
    this.offset = 0;
    this.total = 0;
    this.label = h('span', { class: 'muted' });
    this.prev = h('button', { type: 'button', onclick: () => this.go(-PAGE_SIZE) }, '‹ previous');
    this.next = h('button', { type: 'button', onclick: () => this.go(PAGE_SIZE) }, 'next ›');
    this.el = h('div', { class: 'pager' }, this.prev, this.label, this.next);
    this.onChange = onChange;
  }

  query() {
    return `size=${PAGE_SIZE}&offset=${this.offset}`;
  }

  go(delta) {
    const offset = Math.max(0, this.offset + delta);
    if (offset >= this.total && delta > 0) return;
    this.offset = offset;
    this.onChange();
  }

  show(total, shown) {
    this.total = total;
    if (this.offset > 0 && this.offset >= total) this.offset = Math.max(0, total - PAGE_SIZE);
    setText(this.label, total === 0 ? '0 items'
      : `${this.offset + 1}–${this.offset + shown} of ${total}`);
    this.prev.disabled = this.offset === 0;
    this.next.disabled = this.offset + shown >= total;
  }
}

// ---------------------------------------------------------------- zones (global only)

function zoneSummary(overview) {
  const subs = (overview.zoneInsight && overview.zoneInsight.subscriptions) || [];
  const last = newest(subs);
  const online = subs.some(s => s.connectTime && !s.disconnectTime);
  const enabled = !overview.zone || overview.zone.enabled !== false;
  let store = '';
  try { store = JSON.parse(last.config).store.type; } catch (e) { /* no config sent */ }
  return {
    name: overview.name,
    status: !enabled ? 'disabled' : online ? 'online' : 'offline',
    version: last && last.version && last.version.kumaCp ? last.version.kumaCp.version : '',
    last,
    store,
  };
}

export function zonesView() {
  const zones = new KeyedTable([
    { title: 'Zone', cell: z => z.name },
    { title: 'Status', cell: z => badge(z.status, z.status === 'online' ? 'ok' : 'bad') },
    { title: 'CP version', cell: z => z.version },
    { title: 'Last connect', cell: z => z.last ? time(z.last.connectTime) : '' },
    { title: 'Disconnected', cell: z => z.last && z.last.disconnectTime ? time(z.last.disconnectTime) : '' },
    { title: 'Last sync', cell: z => z.last && z.last.status ? ago(z.last.status.lastUpdateTime) : '' },
    { title: 'Sent', num: true, cell: z => total(z, 'responsesSent') },
    { title: 'Acked', num: true, cell: z => total(z, 'responsesAcknowledged') },
    { title: 'Rejected', num: true, cell: z => total(z, 'responsesRejected') },
    { title: 'Store', cell: z => z.store },
  ], 'no zone has connected yet');
  const perType = new KeyedTable([
    { title: 'Zone', cell: r => r.zone },
    { title: 'Type', cell: r => r.type },
    { title: 'Sent', num: true, cell: r => r.stat.responsesSent },
    { title: 'Acked', num: true, cell: r => r.stat.responsesAcknowledged },
    { title: 'Rejected', num: true, cell: r => badgeIfNonZero(r.stat.responsesRejected) },
    { title: 'Last ACKed version', cell: r => r.stat.lastAckedVersion || '' },
    { title: 'Last ACK', cell: r => ago(r.stat.lastAckTime) },
  ]);
  const el = h('section', { id: 'zones' }, h('h1', {}, 'Zones'), zones.el,
    h('h2', {}, 'KDS per type (newest connection of each zone)'), perType.el);
  return {
    title: 'Zones',
    el,
    async refresh() {
      const list = (await getAll('/zones/_overview')).map(zoneSummary);
      zones.update(list, z => z.name);
      const rows = [];
      for (const z of list) {
        const stat = (z.last && z.last.status && z.last.status.stat) || {};
        for (const type of Object.keys(stat).sort()) rows.push({ zone: z.name, type, stat: stat[type] });
      }
      perType.update(rows, r => r.zone + '/' + r.type);
      ready(el);
    },
  };
}

function total(z, field) {
  return z.last && z.last.status && z.last.status.total ? z.last.status.total[field] : '';
}

function badgeIfNonZero(n) {
  return n && n !== '0' ? badge(n, 'bad') : (n || '0');
}

// ---------------------------------------------------------------- meshes

export function meshesView() {
  const table = new KeyedTable([
    { title: 'Mesh', cell: m => m.name },
    { title: 'mTLS', cell: m => m.mtls },
    { title: 'Dataplanes online', num: true, cell: m => `${m.insight.dataplanes.online} / ${m.insight.dataplanes.total}` },
    { title: 'Services', num: true, cell: m => m.insight.services.total },
    { title: 'Policies', cell: m => Object.entries(m.insight.policies || {}).map(([t, c]) => `${t} ${c.total}`).join(', ') },
    { title: 'Created', cell: m => time(m.insight.creationTime) },
  ], 'no mesh yet');
  const el = h('section', { id: 'meshes' }, h('h1', {}, 'Meshes'), table.el);
  return {
    title: 'Meshes',
    el,
    async refresh() {
      const [insights, meshes] = await Promise.all([getAll('/mesh-insights'), getAll('/meshes')]);
      const byName = new Map(meshes.map(m => [m.name, m]));
      table.update(insights.map(i => {
        const mesh = byName.get(i.name) || {};
        const backend = mesh.mtls && mesh.mtls.enabledBackend;
        return { name: i.name, insight: i, mtls: backend ? `on (${backend})` : 'off' };
      }), m => m.name);
      ready(el);
    },
  };
}

// ---------------------------------------------------------------- services

/** Per service and zone: {total, online} inbounds, from the dataplane overviews. */
function instancesPerZone(overviews, ctx) {
  const out = new Map();
  for (const o of overviews) {
    const zone = (o.labels && o.labels['kuma.io/zone']) || ctx.zone || '?';
    for (const inbound of (o.dataplane.networking.inbound || [])) {
      const service = inbound.tags && inbound.tags['kuma.io/service'];
      if (!service) continue;
      const zones = out.get(service) || new Map();
      const c = zones.get(zone) || { total: 0, online: 0 };
      c.total++;
      if (o.online && !(inbound.health && inbound.health.ready === false)) c.online++;
      zones.set(zone, c);
      out.set(service, zones);
    }
  }
  return out;
}

export function servicesView(ctx) {
  const table = new KeyedTable([
    { title: 'Service', cell: s => s.name },
    { title: 'Status', cell: s => badge(s.status, s.status === 'online' ? 'ok' : s.status === 'offline' ? 'bad' : 'warn') },
    { title: 'Instances online', num: true, cell: s => `${s.dataplanes.online} / ${s.dataplanes.total}` },
    { title: 'Per zone (online / instances)', cell: s => s.perZone },
    { title: 'Type', cell: s => s.serviceType },
  ], 'no service in this mesh');
  const el = h('section', { id: 'services' }, h('h1', {}, `Services of mesh ${ctx.mesh}`), table.el);
  return {
    title: 'Services',
    el,
    async refresh() {
      const m = seg(ctx.mesh);
      const [services, overviews] = await Promise.all([
        getAll(`/meshes/${m}/service-insights`), getAll(`/meshes/${m}/dataplanes+insights`)]);
      const perZone = instancesPerZone(overviews, ctx);
      table.update(services.map(s => ({
        ...s,
        perZone: [...(perZone.get(s.name) || new Map())].sort()
          .map(([zone, c]) => `${zone}: ${c.online} / ${c.total}`).join(' · '),
      })), s => s.name);
      ready(el);
    },
  };
}

// ---------------------------------------------------------------- dataplanes

function certificate(insight) {
  const expiry = insight && insight.mTLS && insight.mTLS.certificateExpirationTime;
  if (!expiry) return h('span', { class: 'muted' }, 'none');
  // builtin CA certificates live 24 h and are renewed before they expire: warn in the last hour
  const soon = Date.parse(expiry) - Date.now() < 3600 * 1000;
  return h('span', { class: soon ? 'warn' : null, title: expiry }, `${time(expiry)} (${ago(expiry)})`);
}

function services(overview) {
  return (overview.dataplane.networking.inbound || [])
    .map(i => i.tags && i.tags['kuma.io/service']).filter(Boolean).join(', ');
}

function zoneOf(overview, ctx) {
  return (overview.labels && overview.labels['kuma.io/zone']) || ctx.zone || '';
}

export function dataplanesView(ctx) {
  const table = new KeyedTable([
    { title: 'Name', cell: o => link(o.name, 'dataplane', o.mesh, o.name) },
    { title: 'Zone', cell: o => zoneOf(o, ctx) },
    { title: 'Status', cell: o => onlineBadge(o.online) },
    { title: 'Services', cell: o => services(o) },
    { title: 'Address', cell: o => o.dataplane.networking.address || '' },
    { title: 'Certificate expires', cell: o => certificate(o.dataplaneInsight) },
    { title: 'Envoy', cell: o => envoyVersion(o.dataplaneInsight) },
    { title: 'Last connect', cell: o => { const s = newest(o.dataplaneInsight && o.dataplaneInsight.subscriptions); return s ? ago(s.connectTime) : ''; } },
  ], 'no dataplane in this mesh');
  const pager = new Pager(() => ctx.refreshNow());
  const el = h('section', { id: 'dataplanes' }, h('h1', {}, `Dataplanes of mesh ${ctx.mesh}`), pager.el, table.el);
  return {
    title: 'Dataplanes',
    el,
    async refresh() {
      const page = await get(`/meshes/${seg(ctx.mesh)}/dataplanes+insights?${pager.query()}`);
      table.update(page.items, o => o.name);
      pager.show(page.total, page.items.length);
      ready(el);
    },
  };
}

function envoyVersion(insight) {
  const s = newest(insight && insight.subscriptions);
  return s && s.version && s.version.envoy ? s.version.envoy.version || '' : '';
}

export function dataplaneView(ctx, mesh, name) {
  const base = `/meshes/${seg(mesh)}/dataplanes/${seg(name)}`;
  const facts = h('dl', { class: 'kv' });
  const policies = new KeyedTable([
    { title: 'Attachment', cell: p => p.type },
    { title: 'Name', cell: p => p.name },
    { title: 'Service', cell: p => p.service || '' },
    { title: 'Policies that apply', cell: p => matched(mesh, p.matchedPolicies) },
  ], 'no inbound, outbound or service');
  const configSummary = new KeyedTable([
    { title: 'Config', cell: c => c.kind },
    { title: 'Resources', num: true, cell: c => c.count },
    { title: 'Version sent', cell: c => c.versions },
  ], 'no config is being sent to this proxy');
  const configText = h('pre', { id: 'config-dump' });
  const note = h('p', { class: 'muted' });
  const reload = h('button', { type: 'button', onclick: () => loadInspect(true) }, 'Reload policies and config');
  const el = h('section', { id: 'dataplane' },
    h('h1', {}, `Dataplane ${name}`, h('span', { class: 'muted' }, ` in mesh ${mesh}`)),
    facts,
    h('h2', {}, 'Policies that apply'), reload, policies.el,
    h('h2', {}, 'Config sent (xDS)'), note, configSummary.el,
    h('details', {}, h('summary', {}, 'Config dump (JSON, private keys redacted)'), configText));
  let inspected = false;

  async function loadInspect(force) {
    if (inspected && !force) return;
    const p = await get(base + '/policies');
    policies.update(p.items, i => i.type + ' ' + i.name);
    let online = true;
    try {
      online = (await get(`/meshes/${seg(mesh)}/dataplanes+insights/${seg(name)}`)).online;
    } catch (e) { /* the overview below reports it */ }
    if (online) {
      const dump = await get(base + '/xds');
      configSummary.update((dump.configs || []).map(summarize), c => c.kind);
      const text = JSON.stringify(dump, null, 2);
      setText(configText, text.length > 300000 ? text.slice(0, 300000) + '\n… (cut at 300 000 characters)' : text);
      setText(note, '');
    } else {
      configSummary.update([], c => c.kind);
      setText(configText, '');
      setText(note, 'The proxy is not connected: nothing is being sent to it.');
    }
    inspected = true;
  }

  return {
    title: 'Dataplane',
    el,
    async refresh() {
      const o = await get(`/meshes/${seg(mesh)}/dataplanes+insights/${seg(name)}`);
      const s = newest(o.dataplaneInsight && o.dataplaneInsight.subscriptions);
      facts.replaceChildren(...[
        ['Status', onlineBadge(o.online)],
        ['Zone', zoneOf(o, ctx)],
        ['Services', services(o)],
        ['Address', o.dataplane.networking.address || ''],
        ['Certificate expires', certificate(o.dataplaneInsight)],
        ['Envoy', envoyVersion(o.dataplaneInsight)],
        ['Connected', s ? `${time(s.connectTime)}${s.disconnectTime ? ', disconnected ' + time(s.disconnectTime) : ''}` : 'never'],
      ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
      await loadInspect(false);
      ready(el);
    },
  };
}

function matched(mesh, byType) {
  const entries = Object.entries(byType || {});
  if (entries.length === 0) return h('span', { class: 'muted' }, 'none');
  return h('span', {}, entries.map(([type, list], i) => [
    i > 0 ? '; ' : '', `${type}: `,
    list.map((p, j) => {
      const t = POLICY_TYPES.find(x => x.type === type);
      return [j > 0 ? ', ' : '', t ? link(p.name, 'policy', mesh, t.plural, p.name) : p.name];
    }),
  ]));
}

function summarize(config) {
  const kind = (config['@type'] || '').split('.').pop();
  const lists = Object.values(config).filter(Array.isArray);
  const items = lists.flat();
  // listeners carry their version under active_state
  const versions = [...new Set(items.map(i => i.version_info || (i.active_state && i.active_state.version_info))
    .filter(Boolean))];
  return { kind, count: items.length, versions: versions.join(', ') };
}

// ---------------------------------------------------------------- policies

export function policiesView(ctx, plural) {
  const type = policyType(plural) || POLICY_TYPES[0];
  const tabs = h('p', {}, POLICY_TYPES.map((t, i) => [i > 0 ? ' · ' : '',
    t === type ? h('strong', {}, t.type) : link(t.type, 'policies', t.plural)]));
  const columns = [
    { title: 'Name', cell: p => link(p.name, 'policy', ctx.mesh, type.plural, p.name) },
    { title: 'Created', cell: p => time(p.creationTime) },
    { title: 'Modified', cell: p => time(p.modificationTime) },
  ];
  if (ctx.global) columns.push({ title: 'Zones in sync', cell: p => syncSummary(p.sync) });
  const table = new KeyedTable(columns, `no ${type.type} in this mesh`);
  const pager = new Pager(() => ctx.refreshNow());
  const el = h('section', { id: 'policies' }, h('h1', {}, `Policies of mesh ${ctx.mesh}`), tabs,
    pager.el, table.el);
  return {
    title: 'Policies',
    el,
    async refresh() {
      const page = await get(`/meshes/${seg(ctx.mesh)}/${type.plural}?${pager.query()}`);
      let items = page.items;
      if (ctx.global) {
        items = await Promise.all(items.map(async p => ({
          ...p, sync: await get(`/meshes/${seg(ctx.mesh)}/${type.plural}/${seg(p.name)}/_sync`),
        })));
      }
      table.update(items, p => p.name);
      pager.show(page.total, page.items.length);
      ready(el);
    },
  };
}

function syncSummary(sync) {
  const zones = (sync && sync.zones) || [];
  const upToDate = zones.filter(z => z.upToDate).length;
  const rejected = zones.filter(z => z.state === 'nacked').length;
  const text = `${upToDate} / ${zones.length} up to date` + (rejected ? `, ${rejected} rejected` : '');
  return badge(text, rejected ? 'bad' : upToDate === zones.length ? 'ok' : 'warn');
}

export function policyView(ctx, mesh, plural, name) {
  const path = `/meshes/${seg(mesh)}/${seg(plural)}/${seg(name)}`;
  const yaml = h('pre', { id: 'policy-yaml' });
  const sync = new KeyedTable([
    { title: 'Zone', cell: z => z.zone },
    { title: 'State', cell: z => badge(z.state, z.state === 'acked' ? 'ok' : z.state === 'nacked' ? 'bad' : 'warn') },
    { title: 'Up to date', cell: z => z.upToDate ? 'yes' : 'no' },
    { title: 'Version', cell: z => z.version || '' },
    { title: 'When', cell: z => time(z.time) },
    { title: 'Reason', cell: z => z.reason || '' },
  ], 'no zone holds this policy yet');
  const current = h('p', { class: 'muted' });
  const t = policyType(plural);
  const el = h('section', { id: 'policy' },
    h('h1', {}, `${t ? t.type : plural} ${name}`, h('span', { class: 'muted' }, ` in mesh ${mesh}`)),
    yaml,
    ctx.global ? [h('h2', {}, 'Sync to zones'), current, sync.el] : null);
  return {
    title: 'Policy',
    el,
    async refresh() {
      setText(yaml, await getYaml(path));
      if (ctx.global) {
        const s = await get(path + '/_sync');
        setText(current, `current version ${s.version}`);
        sync.update(s.zones || [], z => z.zone);
      }
      ready(el);
    },
  };
}
