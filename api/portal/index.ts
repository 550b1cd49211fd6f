/**
 * The self-service portal: server-rendered pages at `/` for requesters, approvers and admins
 * (docs/portal.md says why), signed in with an API token or through OpenID Connect (oidc.ts) into a
 * session cookie. Every page reads
 * and acts through the API as the signed-in user (client.ts); a form's errors come back from the
 * API and are shown at their fields. Every form that changes something carries the session's CSRF
 * token; the sign-in form carries a token of its own, double-submitted in a short-lived cookie.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { ApiDeps } from '../deps';
import { apiFor, type PortalApi } from './client';
import { html, input, layout, type Page } from './html';
import {
  cookieOf,
  csrfMatches,
  endSession,
  findSession,
  SESSION_COOKIE,
  setSessionCookie,
  startSession,
  type Session,
} from './session';
import { requesterPages } from './requester';
import { approverPages } from './approver';
import { adminPages } from './admin';
import { OIDC_START_PATH, oidcRoutes } from './oidc';

/** What every signed-in page handler gets. */
export interface PortalRequest extends Request {
  portal: { session: Session; api: PortalApi; sessionId: string };
}

/** A signed-in page's context, set by the session middleware. */
export function portalOf(req: Request): PortalRequest['portal'] {
  return (req as PortalRequest).portal;
}

/** Sends a page as the signed-in user sees it. */
export function sendPage(req: Request, res: Response, page: Omit<Page, 'user'>, status = 200): void {
  const { session } = portalOf(req);
  res
    .status(status)
    .type('html')
    .send(
      layout({
        ...page,
        user: {
          subject: session.principal.subject,
          role: session.principal.role,
          csrfToken: session.csrfToken,
        },
      }),
    );
}

/** The hidden CSRF field of a form that changes something. */
export function csrfField(req: Request) {
  return html`<input type="hidden" name="_csrf" value="${portalOf(req).session.csrfToken}" />`;
}

const LOGIN_CSRF_COOKIE = 'oo_signin';

/** The portal's pages (`/requests/<requestId>` and `/resources/<type>/<name>` are linked from e-mails). */
const portalPage = /^\/($|catalog$|order\/|requests(\/|$)|resources(\/|$)|approvals$|admin\/|signout$)/;

export function portalRoutes(deps: ApiDeps): Router {
  const router = Router();
  const secure = deps.publicUrl.startsWith('https:');
  // Helmet's default policy, but a portal served over plain HTTP (a lab host) must not have its
  // forms and assets upgraded to an HTTPS that is not there.
  router.use(helmet.contentSecurityPolicy({ directives: { upgradeInsecureRequests: secure ? [] : null } }));
  router.use(
    '/portal/assets',
    express.static(path.join(__dirname, 'assets'), { index: false, maxAge: '1h', fallthrough: false }),
  );
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));
  // Pages show who is signed in and what they may see: no shared cache keeps a copy.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  function signInPage(
    res: Response,
    status: number,
    opts: { error?: string; flash?: Page['flash']; next?: string },
  ) {
    const token = randomBytes(24).toString('base64url');
    res.cookie(LOGIN_CSRF_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/signin',
      maxAge: 3_600_000,
    });
    const errors: Record<string, string> = opts.error ? { token: opts.error } : {};
    res
      .status(status)
      .type('html')
      .send(
        layout({
          title: 'Sign in',
          flash: opts.flash,
          body: html`${
              deps.oidc
                ? html`<p class="narrow">
                      <a
                        class="button"
                        href="${OIDC_START_PATH}?next=${encodeURIComponent(opts.next ?? '/catalog')}"
                        >Sign in with ${deps.oidc.displayName}</a
                      >
                    </p>
                    <h2 class="narrow">Or with an API token</h2>`
                : ''
            }
            <form method="post" action="/signin" novalidate class="narrow">
              <input type="hidden" name="_csrf" value="${token}" />
              <input type="hidden" name="next" value="${opts.next ?? ''}" />
              ${input(
                {
                  path: 'token',
                  label: 'API token',
                  type: 'password',
                  required: true,
                  autocomplete: 'current-password',
                  hint: 'The token an administrator issued you (it starts with oot_). It stays on the server: the browser only keeps a session cookie.',
                },
                errors,
              )}
              <button type="submit">Sign in</button>
            </form>`,
        }),
      );
  }

  /** A page path to go back to after signing in: only a path of this site. */
  const safeNext = (value: unknown) =>
    typeof value === 'string' && /^\/(?!\/)[A-Za-z0-9/_.-]*$/.test(value) && !value.startsWith('/signin')
      ? value
      : '/catalog';

  router.get('/signin', (req, res) => signInPage(res, 200, { next: safeNext(req.query.next) }));
  if (deps.oidc)
    router.use(
      oidcRoutes(deps.oidc, {
        log: deps.log,
        secure,
        pool: deps.pool,
        safeNext,
        refuse: (res, status, text) => signInPage(res, status, { flash: { kind: 'error', text } }),
      }),
    );

  router.post('/signin', async (req, res) => {
    const expected = cookieOf(req, LOGIN_CSRF_COOKIE);
    if (!expected || req.body?._csrf !== expected) {
      signInPage(res, 403, {
        flash: {
          kind: 'error',
          text: 'The sign-in form had expired or did not come from this site. Please sign in again.',
        },
      });
      return;
    }
    const token = typeof req.body.token === 'string' ? req.body.token.trim() : '';
    const started = token ? await startSession(deps.pool, token) : undefined;
    if (!started) {
      signInPage(res, 401, {
        error: token ? 'This token is unknown, expired or revoked.' : 'Enter your API token.',
        next: safeNext(req.body.next),
      });
      return;
    }
    deps.log.info({ subject: started.session.principal.subject }, 'portal sign-in');
    res.clearCookie(LOGIN_CSRF_COOKIE, { path: '/signin' });
    setSessionCookie(res, started.sessionId, secure);
    res.redirect(303, safeNext(req.body.next));
  });

  // Everything below needs a live session; a POST also its CSRF token.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    // Any other path is not the portal's: the API's 405 and 404 answer it.
    if (!portalPage.test(req.path)) return next();
    const sessionId = cookieOf(req, SESSION_COOKIE);
    const session = sessionId ? await findSession(deps.pool, sessionId) : undefined;
    if (!session || !sessionId) {
      if (sessionId) setSessionCookie(res, undefined, secure);
      const ended = sessionId
        ? `Your session has ended; sign in again.${req.method === 'POST' ? ' Nothing was done.' : ''}`
        : undefined;
      if (req.method === 'GET' && !ended && req.path !== '/') {
        res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl.split('?')[0]!)}`);
        return;
      }
      signInPage(res, ended ? 401 : 200, {
        flash: ended ? { kind: 'error', text: ended } : undefined,
        next: req.method === 'GET' ? safeNext(req.path) : undefined,
      });
      return;
    }
    (req as PortalRequest).portal = { session, sessionId, api: apiFor(req, sessionId, session.csrfToken) };
    if (req.method === 'POST' && !csrfMatches(session, req.body?._csrf)) {
      sendPage(
        req,
        res,
        {
          title: 'Nothing was done',
          flash: {
            kind: 'error',
            text: 'This form did not carry this session’s security token (it may be from an old page or another site). Nothing was done: go back, reload the page and try again.',
          },
          body: html`<p><a href="/catalog">Back to the catalog</a></p>`,
        },
        403,
      );
      return;
    }
    next();
  });

  router.get('/', (_req, res) => res.redirect(303, '/catalog'));
  router.post('/signout', async (req, res) => {
    await endSession(deps.pool, portalOf(req).sessionId);
    setSessionCookie(res, undefined, secure);
    res.redirect(303, '/signin');
  });
  router.use(requesterPages());
  router.use(approverPages());
  router.use('/admin', adminPages());
  return router;
}
