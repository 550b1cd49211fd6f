/**
 * AWX list behaviour (Django REST Framework + AWX's field lookup filter): `?field=value` exact
 * match, `__` lookups (contains, icontains, startswith, in, gt, gte, lt, lte, isnull, exact,
 * iexact), `not__` and `or__` prefixes, relation spans through summary fields
 * (`organization__name=`), `search=`, `order_by=`, and page-number pagination with relative
 * `next`/`previous` links. Fields AWX protects from filtering (`extra_vars` ...) answer 403,
 * as the real API does.
 */

/** A list query problem, answered as `{"detail": message}` with `status`. */
export class ListQueryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Query parameters that are not filters (django-ansible-base's RESERVED_NAMES and DRF's own). */
const reserved = new Set([
  'page',
  'page_size',
  'order',
  'order_by',
  'search',
  'format',
  'include',
  'count_disabled',
  'no_truncate',
  'host_filter',
]);
const lookups = new Set([
  'exact',
  'iexact',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'isnull',
  'regex',
  'iregex',
]);
/** Fields AWX marks prevent_search: filtering on them is refused with 403. */
const protectedFields = new Set([
  'extra_vars',
  'survey_passwords',
  'survey_spec',
  'job_args',
  'job_env',
  'start_args',
  'password',
]);

type Item = Record<string, unknown>;

function resolve(item: Item, path: string[]): { found: boolean; value: unknown } {
  let current: unknown = item;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (current === null || typeof current !== 'object') return { found: false, value: undefined };
    const record = current as Item;
    if (key in record) {
      const next = record[key];
      // A foreign key is an id in the object and a small object in summary_fields: span through it.
      if (i < path.length - 1 && typeof next === 'number' && i === 0) {
        const summary = (item.summary_fields as Item | undefined)?.[key];
        current = summary;
        continue;
      }
      current = next;
      continue;
    }
    if (i === 0 && item.summary_fields && key in (item.summary_fields as Item)) {
      current = (item.summary_fields as Item)[key];
      continue;
    }
    return { found: false, value: undefined };
  }
  return { found: true, value: current };
}

function asComparable(value: unknown): string | number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null || value === undefined) return '';
  return String(value);
}

function coerce(param: string, like: unknown): string | number {
  if (typeof like === 'number') return Number(param);
  if (typeof like === 'boolean') return ['true', '1', 'True'].includes(param) ? 'true' : 'false';
  return param;
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const da = Date.parse(a);
    const db = Date.parse(b);
    if (/^\d{4}-\d\d-\d\d/.test(a) && /^\d{4}-\d\d-\d\d/.test(b) && !Number.isNaN(da) && !Number.isNaN(db))
      return da - db;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function test(value: unknown, lookup: string, param: string): boolean {
  if (lookup === 'isnull')
    return (value === null || value === undefined) === ['true', '1', 'True'].includes(param);
  const actual = asComparable(value);
  const text = String(actual);
  switch (lookup) {
    case 'exact':
      return (
        actual === coerce(param, value) ||
        (value === null && (param === '' || param === 'None' || param === 'null'))
      );
    case 'iexact':
      return text.toLowerCase() === param.toLowerCase();
    case 'contains':
      return text.includes(param);
    case 'icontains':
      return text.toLowerCase().includes(param.toLowerCase());
    case 'startswith':
      return text.startsWith(param);
    case 'istartswith':
      return text.toLowerCase().startsWith(param.toLowerCase());
    case 'endswith':
      return text.endsWith(param);
    case 'iendswith':
      return text.toLowerCase().endsWith(param.toLowerCase());
    case 'in':
      return param.split(',').some((p) => actual === coerce(p, value));
    case 'gt':
      return compare(actual, coerce(param, value)) > 0;
    case 'gte':
      return compare(actual, coerce(param, value)) >= 0;
    case 'lt':
      return compare(actual, coerce(param, value)) < 0;
    case 'lte':
      return compare(actual, coerce(param, value)) <= 0;
    case 'regex':
      return new RegExp(param).test(text);
    case 'iregex':
      return new RegExp(param, 'i').test(text);
    default:
      return false;
  }
}

interface Clause {
  negate: boolean;
  or: boolean;
  path: string[];
  lookup: string;
  values: string[];
}

function parseClauses(query: Record<string, unknown>, model: string, sample: Item): Clause[] {
  const clauses: Clause[] = [];
  for (const [rawKey, rawValue] of Object.entries(query)) {
    if (reserved.has(rawKey)) continue;
    let key = rawKey;
    let negate = false;
    let or = false;
    if (key.startsWith('not__')) {
      negate = true;
      key = key.slice(5);
    } else if (key.startsWith('or__')) {
      or = true;
      key = key.slice(4);
    } else if (key.startsWith('chain__')) {
      key = key.slice(7);
    }
    const parts = key.split('__');
    let lookup = 'exact';
    if (parts.length > 1 && lookups.has(parts[parts.length - 1]!)) lookup = parts.pop()!;
    if (parts[0] && protectedFields.has(parts[0])) {
      throw new ListQueryError(403, `Filtering on ${parts[0]} is not allowed.`);
    }
    const summary = sample.summary_fields as Item | undefined;
    if (!(parts[0]! in sample) && summary?.[parts[0]!] === undefined) {
      throw new ListQueryError(400, `${model} has no field named '${parts[0]}'`);
    }
    const values = (Array.isArray(rawValue) ? rawValue : [rawValue]).map(String);
    clauses.push({ negate, or, path: parts, lookup, values });
  }
  return clauses;
}

/** Page of results in AWX's envelope. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/**
 * Filters, searches, orders and paginates `items` (already serialised) for a list endpoint.
 * `path` is the request path, used to build relative `next`/`previous` links.
 */
export function listPage(
  items: Item[],
  query: Record<string, unknown>,
  path: string,
  options: { model: string; searchFields?: string[]; sample: Item },
): Page<Item> {
  const clauses = parseClauses(query, options.model, options.sample);
  const andClauses = clauses.filter((c) => !c.or);
  const orClauses = clauses.filter((c) => c.or);
  let selected = items.filter((item) => {
    const holds = (c: Clause) => {
      const { value } = resolve(item, c.path);
      const ok = c.values.every((v) => test(value, c.lookup, v));
      return c.negate ? !ok : ok;
    };
    return andClauses.every(holds) && (orClauses.length === 0 || orClauses.some(holds));
  });

  const search = typeof query.search === 'string' ? query.search.toLowerCase() : '';
  if (search) {
    const fields = options.searchFields ?? ['name', 'description'];
    selected = selected.filter((item) =>
      fields.some((f) =>
        String(item[f] ?? '')
          .toLowerCase()
          .includes(search),
      ),
    );
  }

  const orderBy = typeof query.order_by === 'string' && query.order_by ? query.order_by.split(',') : ['id'];
  selected = [...selected].sort((a, b) => {
    for (const field of orderBy) {
      const desc = field.startsWith('-');
      const name = desc ? field.slice(1) : field;
      const diff = compare(
        asComparable(resolve(a, name.split('__')).value),
        asComparable(resolve(b, name.split('__')).value),
      );
      if (diff !== 0) return desc ? -diff : diff;
    }
    return 0;
  });

  const pageSize = Math.min(200, Math.max(1, Number(query.page_size) || 25));
  const page = query.page === undefined ? 1 : Number(query.page);
  const lastPage = Math.max(1, Math.ceil(selected.length / pageSize));
  if (!Number.isInteger(page) || page < 1 || page > lastPage) throw new ListQueryError(404, 'Invalid page.');
  const link = (n: number | null) => {
    if (n === null) return null;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (k === 'page') continue;
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
    }
    if (n > 1) params.set('page', String(n));
    const qs = params.toString();
    return qs ? `${path}?${qs}` : path;
  };
  return {
    count: selected.length,
    next: link(page < lastPage ? page + 1 : null),
    previous: link(page > 1 ? page - 1 : null),
    results: selected.slice((page - 1) * pageSize, page * pageSize),
  };
}
