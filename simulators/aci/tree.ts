/**
 * The management information tree: MOs keyed by dn, written by APIC-style POST payloads (upsert,
 * `status` created / modified / deleted, one transaction per request) and read with the APIC's
 * query options. Pure functions over a plain table, so the world can persist it as JSON.
 */
import { parseFilter, type Filter } from './filter';
import {
  ApicError,
  checkAttribute,
  classifyDn,
  defaultAttributes,
  moClasses,
  parentDnOf,
  rnFor,
  splitDn,
  type MoClassSpec,
} from './model';

/** One MO as stored: its class and configured attributes (all strings), plus bookkeeping. */
export interface StoredMo {
  className: string;
  attrs: Record<string, string>;
  modTs: string;
}

/** The whole tree, keyed by dn. */
export type MoTable = Record<string, StoredMo>;

/** One element of `imdata`: `{ <className>: { attributes, children? } }`. */
export type ImdataItem = Record<string, { attributes: Record<string, string>; children?: ImdataItem[] }>;

/** APIC timestamps look like `2024-05-02T10:11:12.345+00:00`. */
export function apicTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

/** The objects an empty fabric already has: the policy root and the common/infra/mgmt tenants. */
export function seedTable(now: Date): MoTable {
  const modTs = apicTimestamp(now);
  const mo = (className: string, attrs: Record<string, string>): StoredMo => {
    const spec = moClasses.get(className) as MoClassSpec;
    return { className, attrs: { ...defaultAttributes(spec), ...attrs }, modTs };
  };
  return {
    uni: mo('polUni', {}),
    'uni/tn-common': mo('fvTenant', { name: 'common' }),
    'uni/tn-common/ctx-default': mo('fvCtx', { name: 'default' }),
    'uni/tn-common/BD-default': mo('fvBD', { name: 'default' }),
    'uni/tn-common/BD-default/rsctx': mo('fvRsCtx', { tnFvCtxName: 'default' }),
    'uni/tn-infra': mo('fvTenant', { name: 'infra' }),
    'uni/tn-mgmt': mo('fvTenant', { name: 'mgmt' }),
    'uni/phys-phys_dom': mo('physDomP', { name: 'phys_dom' }),
    // The VMware VMM domain of the lab's vCenter distributed switch, for EPGs of VM networks.
    'uni/vmmp-VMware': mo('vmmProvP', { vendor: 'VMware' }),
    'uni/vmmp-VMware/dom-lab_vds': mo('vmmDomP', { name: 'lab_vds' }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKey(value: unknown, where: string): [string, { attributes?: unknown; children?: unknown }] {
  if (!isObject(value)) throw new ApicError(400, '400', `JSON parsing failed - ${where} is not an object`);
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new ApicError(400, '400', `JSON parsing failed - ${where} must name exactly one class`);
  }
  const className = keys[0] as string;
  const inner = value[className];
  if (!isObject(inner))
    throw new ApicError(400, '400', `JSON parsing failed - ${className} is not an object`);
  return [className, inner];
}

function parseStatus(value: unknown): Set<string> {
  if (value === undefined || value === '') return new Set(['created', 'modified']);
  const parts = String(value).split(',');
  for (const part of parts) {
    if (!['created', 'modified', 'deleted'].includes(part)) {
      throw new ApicError(400, '120', `unknown property value ${String(value)}, name status`);
    }
  }
  return new Set(parts);
}

function notFound(dn: string): ApicError {
  return new ApicError(400, '102', `configured object ((Dn0)) not found Dn0=${dn}, `);
}

/** Deletes `dn` and everything under it. */
function deleteSubtree(table: MoTable, dn: string): void {
  for (const key of Object.keys(table)) {
    if (key === dn || key.startsWith(`${dn}/`)) delete table[key];
  }
}

interface WriteContext {
  table: MoTable;
  modTs: string;
}

function writeMo(ctx: WriteContext, posted: unknown, where: { urlDn?: string; parentDn?: string }): void {
  const [className, body] = onlyKey(posted, 'the payload');
  const spec = moClasses.get(className);
  if (!spec) throw new ApicError(400, '122', `unknown managed object class ${className}`);
  const attrs = body.attributes ?? {};
  if (!isObject(attrs)) throw new ApicError(400, '400', `JSON parsing failed - attributes of ${className}`);
  const children = body.children ?? [];
  if (!Array.isArray(children))
    throw new ApicError(400, '400', `JSON parsing failed - children of ${className}`);

  const dn = resolveDn(spec, attrs, where);
  const path = classifyDn(dn);
  const self = path?.at(-1);
  if (!path || !self || self.spec !== spec) {
    throw new ApicError(400, '400', `dn ${dn} does not name an object of class ${className}`);
  }
  if (
    spec.namingProp &&
    attrs[spec.namingProp] !== undefined &&
    String(attrs[spec.namingProp]) !== self.namingValue
  ) {
    throw new ApicError(
      400,
      '400',
      `naming property ${spec.namingProp} '${String(attrs[spec.namingProp])}' does not match dn ${dn}`,
    );
  }
  const parentDn = parentDnOf(dn);
  if (where.parentDn !== undefined && parentDn !== where.parentDn) {
    throw new ApicError(400, '400', `dn ${dn} is not a child of ${where.parentDn}`);
  }
  const status = parseStatus(attrs.status);
  if (status.has('deleted')) {
    if (dn === 'uni') throw new ApicError(400, '400', 'Cannot delete the policy universe uni');
    // Deleting what is not there (even under a missing parent) is already done.
    deleteSubtree(ctx.table, dn);
    return;
  }
  if (parentDn !== undefined && !ctx.table[parentDn]) throw notFound(parentDn);
  const existing = ctx.table[dn];
  if (existing && !status.has('modified')) {
    throw new ApicError(400, '103', `Cannot create ${className}; object ${dn} already exists.`);
  }
  if (!existing && !status.has('created')) throw notFound(dn);

  const written: Record<string, string> = {};
  for (const [prop, value] of Object.entries(attrs)) {
    const text = checkAttribute(spec, dn, prop, value);
    if (!['dn', 'rn', 'status', 'childAction'].includes(prop)) written[prop] = text;
  }
  if (spec.namingProp && self.namingValue !== undefined) written[spec.namingProp] = self.namingValue;

  if (existing) {
    const changed = Object.entries(written).some(([k, v]) => existing.attrs[k] !== v);
    if (changed) ctx.table[dn] = { ...existing, attrs: { ...existing.attrs, ...written }, modTs: ctx.modTs };
  } else {
    ctx.table[dn] = { className, attrs: { ...defaultAttributes(spec), ...written }, modTs: ctx.modTs };
  }
  for (const child of children) writeMo(ctx, child, { parentDn: dn });
}

function resolveDn(
  spec: MoClassSpec,
  attrs: Record<string, unknown>,
  where: { urlDn?: string; parentDn?: string },
): string {
  if (typeof attrs.dn === 'string' && attrs.dn !== '') return attrs.dn;
  if (where.urlDn !== undefined) {
    const urlPath = classifyDn(where.urlDn);
    if (!urlPath) throw new ApicError(400, '400', `Request failed, unresolved class for ${where.urlDn}`);
    if (urlPath.at(-1)?.spec === spec) return where.urlDn;
    return childDn(spec, attrs, where.urlDn);
  }
  return childDn(spec, attrs, where.parentDn as string);
}

function childDn(spec: MoClassSpec, attrs: Record<string, unknown>, parentDn: string): string {
  if (typeof attrs.rn === 'string' && attrs.rn !== '') return `${parentDn}/${attrs.rn}`;
  if (spec.namingProp) {
    const value = attrs[spec.namingProp];
    if (value === undefined || value === '') {
      throw new ApicError(
        400,
        '801',
        `property ${spec.namingProp} of ${parentDn}/${rnFor(spec, '')} failed validation for value ''`,
      );
    }
    return `${parentDn}/${rnFor(spec, String(value))}`;
  }
  return `${parentDn}/${rnFor(spec, undefined)}`;
}

/**
 * Applies one POST to `/api/mo/<urlDn>.json` as a single transaction: returns the new table, or
 * throws the APIC error and leaves `table` untouched.
 */
export function applyPost(table: MoTable, urlDn: string, payload: unknown, now: Date): MoTable {
  const ctx: WriteContext = { table: structuredClone(table), modTs: apicTimestamp(now) };
  writeMo(ctx, payload, { urlDn });
  return ctx.table;
}

/** `DELETE /api/mo/<dn>.json`: removes the subtree; a dn that is not there is already deleted. */
export function applyDelete(table: MoTable, dn: string): MoTable {
  if (dn === 'uni') throw new ApicError(400, '400', 'Cannot delete the policy universe uni');
  const next = { ...table };
  deleteSubtree(next, dn);
  return next;
}

/** The query options of a GET, as the APIC names them. */
export interface QueryOptions {
  queryTarget: 'self' | 'children' | 'subtree';
  targetSubtreeClass?: Set<string>;
  queryTargetFilter?: Filter;
  rspSubtree: 'no' | 'children' | 'full';
  rspSubtreeClass?: Set<string>;
  rspSubtreeFilter?: Filter;
  rspSubtreeInclude: Set<string>;
  rspPropInclude: 'all' | 'naming-only' | 'config-only';
  orderBy: { className: string; prop: string; descending: boolean }[];
  page?: number;
  pageSize?: number;
}

function oneOfOption<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ApicError(400, '400', `Request failed, invalid value ${String(value)} for option ${name}`);
}

function classList(name: string, value: unknown): Set<string> | undefined {
  if (value === undefined) return undefined;
  const list = String(value).split(',').filter(Boolean);
  for (const className of list) {
    if (!moClasses.has(className))
      throw new ApicError(400, '122', `unknown managed object class ${className}`);
  }
  return new Set(list);
}

function nonNegative(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ApicError(400, '400', `Request failed, invalid ${name} ${String(value)}`);
  return n;
}

/** Reads the APIC query options from a request's query string; a bad value is the APIC's 400. */
export function parseQueryOptions(query: Record<string, unknown>): QueryOptions {
  const text = (key: string) => (query[key] === undefined ? undefined : String(query[key]));
  const filter = text('query-target-filter');
  const subtreeFilter = text('rsp-subtree-filter');
  return {
    queryTarget: oneOfOption('query-target', query['query-target'], ['self', 'children', 'subtree'], 'self'),
    targetSubtreeClass: classList('target-subtree-class', query['target-subtree-class']),
    queryTargetFilter: filter ? parseFilter(filter) : undefined,
    rspSubtree: oneOfOption('rsp-subtree', query['rsp-subtree'], ['no', 'children', 'full'], 'no'),
    rspSubtreeClass: classList('rsp-subtree-class', query['rsp-subtree-class']),
    rspSubtreeFilter: subtreeFilter ? parseFilter(subtreeFilter) : undefined,
    rspSubtreeInclude: new Set((text('rsp-subtree-include') ?? '').split(',').filter(Boolean)),
    rspPropInclude: oneOfOption(
      'rsp-prop-include',
      query['rsp-prop-include'],
      ['all', 'naming-only', 'config-only'],
      'all',
    ),
    orderBy: (text('order-by') ?? '')
      .split(',')
      .filter(Boolean)
      .map((term) => {
        const [ref = '', direction = 'asc'] = term.split('|');
        const [className = '', prop = ''] = ref.split('.');
        if (!className || !prop || !['asc', 'desc'].includes(direction)) {
          throw new ApicError(400, '400', `Request failed, invalid order-by ${term}`);
        }
        return { className, prop, descending: direction === 'desc' };
      }),
    page: nonNegative('page', query.page),
    pageSize: nonNegative('page-size', query['page-size']),
  };
}

/** A read view of the table with a parent → children index built once per request. */
class TreeView {
  private readonly childIndex = new Map<string, string[]>();

  constructor(private readonly table: MoTable) {
    for (const dn of Object.keys(table).sort()) {
      const parent = parentDnOf(dn);
      if (parent === undefined) continue;
      const list = this.childIndex.get(parent) ?? [];
      list.push(dn);
      this.childIndex.set(parent, list);
    }
  }

  get(dn: string): StoredMo | undefined {
    return this.table[dn];
  }

  children(dn: string): string[] {
    return this.childIndex.get(dn) ?? [];
  }

  descendants(dn: string): string[] {
    const out: string[] = [];
    for (const child of this.children(dn)) out.push(child, ...this.descendants(child));
    return out;
  }

  ofClass(className: string): string[] {
    return Object.keys(this.table)
      .filter((dn) => this.table[dn]?.className === className)
      .sort();
  }

  /** The attributes a read shows: stored ones, computed ones, relation resolution, bookkeeping. */
  attributes(dn: string): Record<string, string> {
    const mo = this.table[dn] as StoredMo;
    const spec = moClasses.get(mo.className) as MoClassSpec;
    const attrs: Record<string, string> = {
      ...spec.computed,
      ...mo.attrs,
      dn,
      status: '',
      childAction: '',
      lcOwn: 'local',
      modTs: mo.modTs,
      uid: '15374',
      ...this.resolveRelation(dn, spec, mo),
    };
    return Object.fromEntries(Object.entries(attrs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private resolveRelation(dn: string, spec: MoClassSpec, mo: StoredMo): Record<string, string> {
    const relation = spec.relation;
    if (!relation) return {};
    if (relation.by === 'dn') {
      const target = mo.attrs.tDn ?? '';
      const formed =
        relation.targetClass === 'fabricPathEp'
          ? /^topology\/pod-\d+\/(paths|protpaths)-[\d-]+\/pathep-\[.+\]$/.test(target)
          : this.table[target] !== undefined;
      const targetClass = this.table[target]?.className;
      return { state: formed ? 'formed' : 'missing-target', ...(targetClass ? { tCl: targetClass } : {}) };
    }
    const name = mo.attrs[relation.prop] || 'default';
    const tenantDn = splitDn(dn).slice(0, 2).join('/');
    const local = `${tenantDn}/${relation.targetRn(name)}`;
    const common = `uni/tn-common/${relation.targetRn(name)}`;
    const found = [local, common].find(
      (candidate) => this.table[candidate]?.className === relation.targetClass,
    );
    return found
      ? { tDn: found, state: 'formed', stateQual: mo.attrs[relation.prop] ? 'none' : 'default-target' }
      : { tDn: local, state: 'missing-target', stateQual: 'none' };
  }
}

function projectProps(
  view: TreeView,
  dn: string,
  mode: QueryOptions['rspPropInclude'],
): Record<string, string> {
  const attrs = view.attributes(dn);
  if (mode === 'all') return attrs;
  const spec = moClasses.get((view.get(dn) as StoredMo).className) as MoClassSpec;
  const keep = new Set(['dn', 'status']);
  if (spec.namingProp) keep.add(spec.namingProp);
  if (mode === 'config-only') for (const prop of Object.keys(spec.props)) keep.add(prop);
  return Object.fromEntries(Object.entries(attrs).filter(([k]) => keep.has(k)));
}

function render(view: TreeView, dn: string, options: QueryOptions): ImdataItem {
  const mo = view.get(dn) as StoredMo;
  const node: { attributes: Record<string, string>; children?: ImdataItem[] } = {
    attributes: projectProps(view, dn, options.rspPropInclude),
  };
  const children = renderChildren(view, dn, options);
  if (children.length > 0) node.children = children;
  return { [mo.className]: node };
}

function renderChildren(view: TreeView, dn: string, options: QueryOptions): ImdataItem[] {
  if (options.rspSubtree === 'no') return [];
  const out: ImdataItem[] = [];
  for (const child of view.children(dn)) {
    const mo = view.get(child) as StoredMo;
    const matches =
      (!options.rspSubtreeClass || options.rspSubtreeClass.has(mo.className)) &&
      (!options.rspSubtreeFilter || options.rspSubtreeFilter(mo.className, view.attributes(child)));
    const nested = options.rspSubtree === 'full' ? renderChildren(view, child, options) : [];
    if (!matches && nested.length === 0) continue;
    const node: { attributes: Record<string, string>; children?: ImdataItem[] } = {
      attributes: projectProps(view, child, options.rspPropInclude),
    };
    if (nested.length > 0) node.children = nested;
    out.push({ [mo.className]: node });
  }
  return out;
}

/** The `imdata` page of a read, with the full match count the APIC reports in `totalCount`. */
export interface QueryResult {
  totalCount: number;
  imdata: ImdataItem[];
}

function runQuery(view: TreeView, base: string[], options: QueryOptions): QueryResult {
  let dns: string[];
  if (options.queryTarget === 'self') {
    dns = base;
  } else {
    const expanded =
      options.queryTarget === 'children'
        ? base.flatMap((dn) => view.children(dn))
        : base.flatMap((dn) => [dn, ...view.descendants(dn)]);
    dns = options.targetSubtreeClass
      ? expanded.filter((dn) => options.targetSubtreeClass?.has((view.get(dn) as StoredMo).className))
      : expanded;
  }
  if (options.queryTargetFilter) {
    const filter = options.queryTargetFilter;
    dns = dns.filter((dn) => filter((view.get(dn) as StoredMo).className, view.attributes(dn)));
  }
  let items = dns.map((dn) => ({ dn, item: render(view, dn, options) }));
  if (options.rspSubtreeInclude.has('required') && options.rspSubtree !== 'no') {
    items = items.filter(({ item }) => Object.values(item)[0]?.children !== undefined);
  }
  if (options.orderBy.length > 0) {
    const keyed = items.map((entry) => ({
      ...entry,
      attrs: view.attributes(entry.dn),
      cls: view.get(entry.dn)?.className,
    }));
    keyed.sort((a, b) => {
      for (const term of options.orderBy) {
        const av = a.cls === term.className ? (a.attrs[term.prop] ?? '') : '';
        const bv = b.cls === term.className ? (b.attrs[term.prop] ?? '') : '';
        if (av !== bv) return (av < bv ? -1 : 1) * (term.descending ? -1 : 1);
      }
      return 0;
    });
    items = keyed;
  }
  const totalCount = items.length;
  if (options.rspSubtreeInclude.has('count')) {
    // The APIC answers a count request with one moCount object instead of the objects.
    return {
      totalCount: 1,
      imdata: [
        { moCount: { attributes: { childAction: '', count: String(totalCount), dn: '', status: '' } } },
      ],
    };
  }
  if (options.pageSize !== undefined) {
    const start = (options.page ?? 0) * options.pageSize;
    items = items.slice(start, start + options.pageSize);
  }
  return { totalCount, imdata: items.map(({ item }) => item) };
}

/** `GET /api/mo/<dn>.json`: a dn that is not there is an empty result, not an error. */
export function queryMo(table: MoTable, dn: string, options: QueryOptions): QueryResult {
  const view = new TreeView(table);
  return runQuery(view, view.get(dn) ? [dn] : [], options);
}

/** `GET /api/class/<class>.json`: every MO of the class; an unknown class is 400 code 122. */
export function queryClass(table: MoTable, className: string, options: QueryOptions): QueryResult {
  if (!moClasses.has(className)) {
    throw new ApicError(400, '122', `Request failed, unresolved class for ${className}`);
  }
  const view = new TreeView(table);
  return runQuery(view, view.ofClass(className), options);
}
