/**
 * JSON:API documents as TFE writes them: resource objects, the `errors` envelope, and
 * `page[number]` / `page[size]` pagination with `links` and `meta.pagination`.
 */
import crypto from 'node:crypto';
import type { Request } from 'express';

/** The media type of every TFE document. */
export const JSON_API = 'application/vnd.api+json';

/** A relationship to one resource, or none. */
export type ToOne = { data: { id: string; type: string } | null; links?: Record<string, string> };
/** A relationship to many resources. */
export type ToMany = { data: { id: string; type: string }[]; links?: Record<string, string> };

/** A JSON:API resource object. */
export interface ResourceObject {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  relationships?: Record<string, ToOne | ToMany | { links: Record<string, string> }>;
  links?: Record<string, string | null>;
}

/** One error of the `errors` envelope; TFE writes `status` as a string. */
export interface ApiError {
  status: string;
  title: string;
  detail?: string;
  source?: { pointer: string };
}

/** A refusal in TFE's terms, rendered as a JSON:API error document. */
export class TfeError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errors: ApiError[],
  ) {
    super(errors.map((e) => [e.title, e.detail].filter(Boolean).join(': ')).join('; '));
  }

  static notFound(): TfeError {
    return new TfeError(404, [{ status: '404', title: 'not found' }]);
  }

  static unauthorized(): TfeError {
    return new TfeError(401, [{ status: '401', title: 'unauthorized' }]);
  }

  static conflict(detail: string): TfeError {
    return new TfeError(409, [{ status: '409', title: 'conflict', detail }]);
  }

  static invalid(detail: string, pointer?: string): TfeError {
    return new TfeError(422, [
      { status: '422', title: 'invalid attribute', detail, ...(pointer ? { source: { pointer } } : {}) },
    ]);
  }

  static badRequest(detail: string): TfeError {
    return new TfeError(400, [{ status: '400', title: 'bad request', detail }]);
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An id like TFE's: a prefix and 16 base62 characters (`run-CZcmD7eagjhyX0vN`). */
export function tfeId(prefix: string): string {
  const bytes = crypto.randomBytes(16);
  let suffix = '';
  for (const byte of bytes) suffix += BASE62[byte % 62];
  return `${prefix}-${suffix}`;
}

/** A long unguessable secret for archivist URLs. */
export function archivistSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** One page of `items` and the `links` / `meta.pagination` that describe it. */
export function paginate<T>(
  req: Request,
  items: T[],
  opts: { withTotals?: boolean } = {},
): { page: T[]; links: Record<string, string | null>; meta: { pagination: Record<string, number | null> } } {
  const query = req.query as Record<string, unknown>;
  const pageQuery = (query.page ?? {}) as Record<string, unknown>;
  const rawNumber = query['page[number]'] ?? pageQuery.number;
  const rawSize = query['page[size]'] ?? pageQuery.size;
  const number = rawNumber === undefined ? 1 : Number(rawNumber);
  const size = rawSize === undefined ? 20 : Number(rawSize);
  if (!Number.isInteger(number) || number < 1)
    throw TfeError.badRequest('page[number] must be a positive integer');
  if (!Number.isInteger(size) || size < 1) throw TfeError.badRequest('page[size] must be a positive integer');
  const pageSize = Math.min(size, 100);
  const totalCount = items.length;
  const totalPages = Math.max(1, Math.ceil(totalCount / pageSize));
  const page = items.slice((number - 1) * pageSize, number * pageSize);
  const prev = number > 1 ? number - 1 : null;
  const next = number < totalPages ? number + 1 : null;
  const base = `${req.protocol}://${req.get('host')}${req.baseUrl}${req.path}`;
  const otherParams = Object.entries(query).filter(([k]) => k !== 'page' && !k.startsWith('page['));
  const link = (n: number | null) => {
    if (n === null) return null;
    const params = new URLSearchParams();
    params.set('page[number]', String(n));
    params.set('page[size]', String(pageSize));
    for (const [k, v] of otherParams) {
      if (typeof v === 'string') params.set(k, v);
      else if (v && typeof v === 'object')
        for (const [sub, value] of Object.entries(v)) params.set(`${k}[${sub}]`, String(value));
    }
    return `${base}?${params.toString()}`;
  };
  const pagination: Record<string, number | null> = {
    'current-page': number,
    'page-size': pageSize,
    'prev-page': prev,
    'next-page': next,
  };
  if (opts.withTotals !== false) {
    pagination['total-pages'] = totalPages;
    pagination['total-count'] = totalCount;
  }
  return {
    page,
    links: { self: link(number), first: link(1), prev: link(prev), next: link(next), last: link(totalPages) },
    meta: { pagination },
  };
}

/** Reads `data` of a JSON:API request document, checking its `type`; a bad document is 422. */
export function requestData(
  body: unknown,
  type: string,
): { attributes: Record<string, unknown>; relationships: Record<string, unknown>; id?: string } {
  const data = (body as { data?: unknown } | undefined)?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TfeError(422, [
      {
        status: '422',
        title: 'invalid request',
        detail: 'the body must be a JSON:API document with data',
        source: { pointer: '/data' },
      },
    ]);
  }
  const record = data as Record<string, unknown>;
  if (record.type !== undefined && record.type !== type) {
    throw new TfeError(422, [
      {
        status: '422',
        title: 'invalid type',
        detail: `expected type ${type}`,
        source: { pointer: '/data/type' },
      },
    ]);
  }
  const attributes = (record.attributes ?? {}) as Record<string, unknown>;
  const relationships = (record.relationships ?? {}) as Record<string, unknown>;
  if (typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw TfeError.invalid('attributes must be an object', '/data/attributes');
  }
  return { attributes, relationships, ...(typeof record.id === 'string' ? { id: record.id } : {}) };
}

/** The id of a to-one relationship in a request document, if present. */
export function relationshipId(relationships: Record<string, unknown>, name: string): string | undefined {
  const rel = relationships[name] as { data?: { id?: unknown } } | undefined;
  return typeof rel?.data?.id === 'string' ? rel.data.id : undefined;
}

/** Reads an optional attribute of a given JSON type, or answers 422 with its pointer. */
export function optionalAttribute<T extends 'string' | 'boolean' | 'number'>(
  attributes: Record<string, unknown>,
  name: string,
  type: T,
): (T extends 'string' ? string : T extends 'boolean' ? boolean : number) | undefined {
  const value = attributes[name];
  if (value === undefined) return undefined;
  if (typeof value !== type) throw TfeError.invalid(`${name} must be a ${type}`, `/data/attributes/${name}`);
  return value as never;
}
