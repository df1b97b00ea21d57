// Same-origin calls of the REST API. A user token, when given, is kept in this tab's
// sessionStorage and sent as 'Authorization: Bearer'.

const TOKEN_KEY = 'meshfed.token';

export class ApiError extends Error {
  constructor(status, path, title, detail) {
    super(`${path}: ${status} ${title || ''}${detail ? ': ' + detail : ''}`);
    this.status = status;
    this.path = path;
    this.detail = detail;
  }

  get authProblem() {
    return this.status === 401 || this.status === 403;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function call(path, accept) {
  const headers = { Accept: accept };
  const t = token();
  if (t) headers.Authorization = 'Bearer ' + t;
  let response;
  try {
    response = await fetch(path, { headers, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, path, 'control plane unreachable', String(e.message || e));
  }
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch (e) { /* not a JSON error body */ }
    throw new ApiError(response.status, path, body && body.title, body && (body.detail || body.details));
  }
  return response;
}

/** GET a JSON document. */
export async function get(path) {
  return (await call(path, 'application/json')).json();
}

/** GET a resource as YAML text. */
export async function getYaml(path) {
  return (await call(path + '?format=yaml', 'application/yaml')).text();
}

/** Every item of a paged list (pages of 1000, as the API allows). */
export async function getAll(path) {
  const items = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await get(`${path}${path.includes('?') ? '&' : '?'}size=1000&offset=${offset}`);
    items.push(...page.items);
    if (!page.next || page.items.length === 0) return items;
  }
}

/** Path segment, URI-encoded. */
export const seg = encodeURIComponent;
