/**
 * The legacy `/rest` style of the same vCenter (6.5-7.x, still served on 7/8), as a translation
 * in front of the `/api` routes: `filter.<name>` query filters, `{"spec": ...}` request bodies,
 * power actions as path segments, results wrapped in `{"value": ...}`, device maps as
 * `[{key, value}]` lists, 200 instead of 201/204, the session also as a cookie, and errors as
 * `{"type": "com.vmware.vapi.std.errors.<kind>", "value": {...}}`.
 */
import type { NextFunction, Request, Response } from 'express';

const SESSION_PATH = '/rest/com/vmware/cis/session';
const deviceMaps = [
  'disks',
  'nics',
  'scsi_adapters',
  'sata_adapters',
  'nvme_adapters',
  'cdroms',
  'floppies',
  'serial_ports',
  'parallel_ports',
];

function toKeyValueLists(info: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...info };
  for (const name of deviceMaps) {
    const map = info[name];
    if (map && typeof map === 'object' && !Array.isArray(map)) {
      out[name] = Object.entries(map as Record<string, unknown>).map(([key, value]) => ({ key, value }));
    }
  }
  return out;
}

function restError(body: { error_type?: string; messages?: unknown[] }, status: number) {
  if (status === 404 && body.messages && JSON.stringify(body.messages).includes('httpNotFound')) {
    return {
      name: 'com.vmware.vapi.rest.httpNotFound',
      localizableMessages: body.messages,
      majorErrorCode: 404,
    };
  }
  const kind = (body.error_type ?? 'ERROR').toLowerCase();
  return {
    type: `com.vmware.vapi.std.errors.${kind}`,
    value: { error_type: body.error_type, messages: body.messages ?? [] },
  };
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Rewrites a `/rest` request to its `/api` twin and reshapes the answer; other paths pass through. */
export function restLegacy(req: Request, res: Response, next: NextFunction): void {
  if (!req.path.startsWith('/rest/')) return next();
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(req.query)) {
    const name = key.startsWith('filter.') ? key.slice('filter.'.length) : key;
    if (name === '~action') continue;
    for (const one of Array.isArray(value) ? value : [value]) query.append(name, String(one));
  }
  let path = req.path;
  let isVmInfo = false;
  let isLogin = false;
  if (path === SESSION_PATH) {
    path = '/api/session';
    if (req.method === 'POST' && req.query['~action'] === 'get') req.method = 'GET';
    else isLogin = req.method === 'POST';
  } else {
    const power = /^\/rest\/vcenter\/vm\/([^/]+)\/power\/(start|stop|suspend|reset)$/.exec(path);
    if (power) {
      path = `/api/vcenter/vm/${power[1]}/power`;
      query.set('action', power[2]!);
    } else {
      path = `/api${path.slice('/rest'.length)}`;
      isVmInfo = req.method === 'GET' && /^\/api\/vcenter\/vm\/[^/]+$/.test(path);
    }
  }
  if (!req.header('vmware-api-session-id')) {
    const fromCookie = cookie(req, 'vmware-api-session-id');
    if (fromCookie) req.headers['vmware-api-session-id'] = fromCookie;
  }
  const body = req.body as { spec?: unknown } | undefined;
  if (body && typeof body === 'object' && 'spec' in body) req.body = body.spec;
  const qs = query.toString();
  req.url = qs ? `${path}?${qs}` : path;

  const json = res.json.bind(res);
  res.json = ((payload: unknown) => {
    if (res.statusCode >= 400)
      return json(restError(payload as { error_type?: string; messages?: unknown[] }, res.statusCode));
    if (res.statusCode === 201) res.status(200);
    if (isLogin && typeof payload === 'string' && req.header('vmware-use-header-authn') !== 'true') {
      res.cookie('vmware-api-session-id', payload, { httpOnly: true, secure: true, path: '/' });
    }
    const value =
      isVmInfo && payload && typeof payload === 'object'
        ? toKeyValueLists(payload as Record<string, unknown>)
        : payload;
    return json({ value });
  }) as Response['json'];
  const status = res.status.bind(res);
  res.status = ((code: number) => status(code === 204 ? 200 : code)) as Response['status'];
  next();
}
