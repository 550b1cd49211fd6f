/**
 * The portal's way into the API: the pages call `/v1` over the loopback interface and the port
 * serving them (this process, or a sibling sharing its port), as the signed-in user (their
 * session cookie and CSRF token), so every rule of authorization, validation and audit stays in
 * one place, the API's, and the portal can do nothing a user could not do with curl. Calls carry
 * the browser's address and the portal's key, so the API's rate limit counts the user, not the portal.
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { SESSION_COOKIE } from './session';

/**
 * The key that marks the portal's own calls to the API (never leaves the machine). API processes
 * sharing one port (api/cluster.ts) share it too, since a loopback call may reach a sibling.
 */
export const portalKey = process.env.API_PORTAL_KEY || randomBytes(24).toString('base64url');
export const PORTAL_KEY_HEADER = 'x-portal-key';
export const PORTAL_CLIENT_HEADER = 'x-portal-client';

/** One field the API refused, as its error envelope names it. */
export interface ApiProblem {
  path: string;
  message: string;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  /** The API's error envelope, for a 4xx or 5xx. */
  error?: { type: string; message: string; fields?: ApiProblem[]; details?: Record<string, unknown> };
}

export interface PortalApi {
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer<T>>;
}

/** The API of this process as `req`'s user, through `sessionId` and its `csrfToken`. */
export function apiFor(req: Request, sessionId: string, csrfToken: string): PortalApi {
  const host = req.socket.localAddress ?? '127.0.0.1';
  const address = host.startsWith('::ffff:') ? host.slice(7) : host;
  const base = `http://${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort}`;
  return {
    async call<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
      const headers: Record<string, string> = {
        ...extra,
        cookie: `${SESSION_COOKIE}=${encodeURIComponent(sessionId)}`,
        'x-csrf-token': csrfToken,
        [PORTAL_KEY_HEADER]: portalKey,
        [PORTAL_CLIENT_HEADER]: req.ip ?? 'unknown',
        accept: 'application/json',
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : {};
      return { status: res.status, body: parsed as T, ...(res.status >= 400 ? { error: parsed.error } : {}) };
    },
  };
}

/**
 * The API's field problems as the portal's forms name their fields: `body.resources.0.disks.0.sizeGb`
 * → `disks.0.sizeGb`, `body.spec.cpu` → `spec.cpu`, `body.cluster` → `cluster`.
 */
export function fieldErrorsOf(problems: ApiProblem[] | undefined): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of problems ?? []) {
    const path = p.path.replace(/^body\.(resources\.0\.)?/, '');
    errors[path] = errors[path] ? `${errors[path]}; ${p.message}` : p.message;
  }
  return errors;
}
