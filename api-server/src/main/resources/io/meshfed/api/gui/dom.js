// DOM helpers. Data (resource names, tags, messages) only ever becomes text nodes or attribute
// values: no markup is ever parsed from a string.

/** An element with attributes (on* are listeners) and children (strings become text nodes). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** A link to a view of this page: '#/' followed by the path segments, each URI-encoded. */
export function link(text, ...segments) {
  return h('a', { href: '#/' + segments.map(encodeURIComponent).join('/') }, text);
}

export function badge(text, kind) {
  return h('span', { class: 'badge ' + kind }, text);
}

/** Sets a cell's content only when it changed, so that a refresh neither flickers nor loses a selection. */
function setCell(td, value) {
  if (value instanceof Node) {
    if (td.childNodes.length === 1 && td.firstChild.isEqualNode(value)) return;
    td.replaceChildren(value);
  } else {
    const text = value == null ? '' : String(value);
    if (td.childNodes.length === 1 && td.firstChild.nodeType === Node.TEXT_NODE) {
      if (td.firstChild.data !== text) td.firstChild.data = text;
    } else {
      td.replaceChildren(text);
    }
  }
}

/**
 * A table updated in place: rows are kept by key, cells are rewritten only when their content
 * changed, rows are moved rather than rebuilt. columns: [{title, cell: item => string|Node, num}].
 */
export class KeyedTable {
  constructor(columns, emptyText = 'nothing to show') {
    this.columns = columns;
    this.rows = new Map();
    this.body = h('tbody');
    this.empty = h('tr', { class: 'muted' }, h('td', { colspan: columns.length }, emptyText));
    this.el = h('table', {},
      h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.num ? 'num' : null }, c.title)))),
      this.body);
  }

  update(items, key) {
    const seen = new Set();
    let previous = null;
    for (const item of items) {
      const k = key(item);
      seen.add(k);
      let row = this.rows.get(k);
      if (!row) {
        const cells = this.columns.map(c => h('td', { class: c.num ? 'num' : null }));
        row = { tr: h('tr', { 'data-key': k }, cells), cells };
        this.rows.set(k, row);
      }
      this.columns.forEach((c, i) => setCell(row.cells[i], c.cell(item)));
      const expected = previous ? previous.nextSibling : this.body.firstChild;
      if (expected !== row.tr) this.body.insertBefore(row.tr, expected);
      previous = row.tr;
    }
    for (const [k, row] of this.rows) {
      if (!seen.has(k)) {
        row.tr.remove();
        this.rows.delete(k);
      }
    }
    if (items.length === 0) this.body.append(this.empty);
    else this.empty.remove();
  }
}

/** Replaces an element's text only when it changed. */
export function setText(el, text) {
  const t = text == null ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

/** '3 m ago' style age of an ISO time, or '' when absent. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return '';
  if (s < 0) return 'in ' + duration(-s);
  return duration(s) + ' ago';
}

export function duration(s) {
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min';
  if (s < 86400) return Math.floor(s / 3600) + ' h';
  return Math.floor(s / 86400) + ' d';
}

/** An ISO time shortened to 'YYYY-MM-DD HH:MM:SS' (UTC). */
export function time(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC') : '';
}
