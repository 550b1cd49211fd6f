/**
 * Portal sign-in through OpenID Connect, when an issuer is configured (OIDC_* variables,
 * docs/portal.md): the authorization code flow with PKCE, state and nonce, through `openid-client`
 * (the relying party's checks are the library's, not ours). The flow's secrets wait for the
 * issuer's answer in a short-lived HttpOnly cookie, so any API process can take the answer. The
 * user's groups, from a configurable claim, map to a role and to approval groups; a session then
 * holds that identity (session.ts) as a token's session holds its token.
 */
import { Router, type Request, type Response } from 'express';
import * as client from 'openid-client';
import type { Pool } from 'pg';
import { roles, type Actor, type Role } from '../../common/authority';
import type { ApiConfig } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { groupName, subjectName } from '../auth/tokens';
import { html, layout } from './html';
import { cookieOf, setSessionCookie, startOidcSession } from './session';

/** How an API process signs people in through an OpenID Connect issuer. */
export interface OidcSettings {
  issuerUrl: string;
  clientId: string;
  /** Absent: a public client, authenticated by PKCE alone. Sent to the token endpoint only. */
  clientSecret?: string;
  /** Where the issuer sends the browser back: this API's `/signin/oidc/callback`. */
  redirectUrl: string;
  scopes: string;
  subjectClaim: string;
  groupsClaim: string;
  /** The issuer's group → the role it gives; the highest role of the user's groups wins. */
  roleMap: Record<string, Role>;
  /** The issuer's group → the approval group it is here; empty: each group by its own name. */
  groupMap: Record<string, string>;
  displayName: string;
  /** Seconds the issuer has to answer each call; default 10. */
  timeoutSeconds?: number;
}

/** The settings the API process's environment gives, or undefined when no issuer is configured. */
export function oidcSettingsOf(config: ApiConfig, publicUrl: string): OidcSettings | undefined {
  if (!config.OIDC_ISSUER_URL || !config.OIDC_CLIENT_ID) return undefined;
  const issuer = new URL(config.OIDC_ISSUER_URL);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer)))
    throw new Error(
      'invalid configuration:\n  OIDC_ISSUER_URL: must be https (plain http on a loopback address only)',
    );
  for (const [from, to] of Object.entries(config.OIDC_GROUP_MAP))
    if (!groupName.safeParse(to).success)
      throw new Error(`invalid configuration:\n  OIDC_GROUP_MAP: ${from}=${to} is not a group name here`);
  return {
    issuerUrl: config.OIDC_ISSUER_URL,
    clientId: config.OIDC_CLIENT_ID,
    ...(config.OIDC_CLIENT_SECRET ? { clientSecret: config.OIDC_CLIENT_SECRET } : {}),
    redirectUrl: config.OIDC_REDIRECT_URL ?? `${publicUrl}${CALLBACK_PATH}`,
    scopes: config.OIDC_SCOPES,
    subjectClaim: config.OIDC_SUBJECT_CLAIM,
    groupsClaim: config.OIDC_GROUPS_CLAIM,
    roleMap: config.OIDC_ROLE_MAP,
    groupMap: config.OIDC_GROUP_MAP,
    displayName: config.OIDC_DISPLAY_NAME,
  };
}

export const OIDC_START_PATH = '/signin/oidc';
const CALLBACK_PATH = '/signin/oidc/callback';
/** The cookie that carries a sign-in's state, nonce and PKCE verifier to the callback. */
const FLOW_COOKIE = 'oo_oidc';
/** How long a sign-in at the issuer may take. */
const FLOW_MINUTES = 10;

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

/**
 * The actor an issuer's claims make, or why they make none: the subject from `subjectClaim`, the
 * highest role any of the groups in `groupsClaim` gives, and the groups mapped to approval groups.
 */
export function actorOf(
  claims: Record<string, unknown>,
  settings: OidcSettings,
): Actor | { refusal: string } {
  const subject = subjectName.safeParse(claims[settings.subjectClaim]);
  if (!subject.success)
    return {
      refusal: `The sign-in service did not say who you are in a form this portal accepts (its “${settings.subjectClaim}” claim). Nothing was signed in; ask an administrator.`,
    };
  const raw = claims[settings.groupsClaim];
  const theirs = Array.isArray(raw)
    ? raw.filter((g): g is string => typeof g === 'string')
    : typeof raw === 'string'
      ? raw.split(/[\s,]+/).filter(Boolean)
      : [];
  const granted = theirs.map((g) => settings.roleMap[g]).filter((r): r is Role => r !== undefined);
  if (!granted.length)
    return {
      refusal: `${subject.data} is in no group that gives a role in this portal. Nothing was signed in; ask an administrator for access.`,
    };
  const role = granted.reduce((a, b) => (roles.indexOf(b) > roles.indexOf(a) ? b : a));
  const mapped = Object.keys(settings.groupMap).length
    ? theirs.map((g) => settings.groupMap[g]).filter((g): g is string => g !== undefined)
    : theirs.filter((g) => groupName.safeParse(g).success);
  return { subject: subject.data, role, groups: [...new Set(mapped)] };
}

/** Whether `url` is a loopback address: the only place an issuer may be reached over plain HTTP (a lab). */
const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** What a failed exchange with the issuer tells the user (never the library's raw words alone). */
function refusalOf(err: unknown): { status: number; text: string } {
  const messages: string[] = [];
  const kinds: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 5; e = e.cause) {
    messages.push(e.message);
    kinds.push(e.name, String((e as { code?: unknown }).code));
  }
  const said = messages.join(' / ');
  if (err instanceof client.AuthorizationResponseError)
    return {
      status: 401,
      text: `The sign-in service refused: ${err.error_description ?? err.error}. Nothing was signed in.`,
    };
  if (/"state"/.test(said))
    return {
      status: 400,
      text: 'The answer of the sign-in service does not belong to the sign-in this browser started (its state does not match). Nothing was signed in: start again.',
    };
  if (/"nonce"/.test(said))
    return {
      status: 400,
      text: 'The sign-in service’s ID token was not issued for this sign-in (its nonce does not match). Nothing was signed in: start again.',
    };
  // No answer in time, no connection, or an answer that is no answer (a 5xx page).
  if (
    kinds.some((k) =>
      [
        'TimeoutError',
        'AbortError',
        'OAUTH_TIMEOUT',
        'OAUTH_RESPONSE_IS_NOT_CONFORM',
        'ECONNREFUSED',
      ].includes(k),
    ) ||
    /fetch failed/.test(said)
  )
    return {
      status: 502,
      text: 'The sign-in service does not answer. Nothing was signed in: try again later, or sign in with an API token.',
    };
  return {
    status: 401,
    text: `The sign-in service’s answer could not be verified (${messages.at(-1) ?? 'unknown error'}). Nothing was signed in.`,
  };
}

/** The routes of the flow: `/signin/oidc` sends the browser to the issuer, its callback signs in. */
export function oidcRoutes(
  settings: OidcSettings,
  opts: {
    log: Logger;
    secure: boolean;
    pool: Pool;
    safeNext: (value: unknown) => string;
    /** Shows the sign-in page with an error message. */
    refuse: (res: Response, status: number, text: string) => void;
  },
): Router {
  const router = Router();
  const issuer = new URL(settings.issuerUrl);
  let discovered: Promise<client.Configuration> | undefined;
  /** The issuer's metadata, fetched once; a failure is tried again on the next sign-in. */
  const configuration = () =>
    (discovered ??= client
      .discovery(
        issuer,
        settings.clientId,
        undefined,
        settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None(),
        {
          timeout: settings.timeoutSeconds ?? 10,
          ...(issuer.protocol === 'http:' && isLoopback(issuer)
            ? { execute: [client.allowInsecureRequests] }
            : {}),
        },
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      }));

  const cookieOptions = {
    httpOnly: true,
    // Lax, not Strict: the issuer's redirect back is a navigation from another site.
    sameSite: 'lax' as const,
    secure: opts.secure,
    path: OIDC_START_PATH,
  };

  router.get(OIDC_START_PATH, async (req: Request, res: Response) => {
    let config: client.Configuration;
    try {
      config = await configuration();
    } catch (err) {
      opts.log.warn({ err: (err as Error).message, issuer: settings.issuerUrl }, 'oidc discovery failed');
      const { status, text } = refusalOf(err);
      return opts.refuse(res, status, text);
    }
    const flow: Flow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      next: opts.safeNext(req.query.next),
    };
    res.cookie(FLOW_COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), {
      ...cookieOptions,
      maxAge: FLOW_MINUTES * 60_000,
    });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUrl,
      scope: settings.scopes,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    });
    res.redirect(303, url.href);
  });

  router.get(CALLBACK_PATH, async (req: Request, res: Response) => {
    const flow = flowOf(cookieOf(req, FLOW_COOKIE));
    res.clearCookie(FLOW_COOKIE, cookieOptions);
    if (!flow)
      return opts.refuse(
        res,
        400,
        `This sign-in did not start in this browser, or took longer than ${FLOW_MINUTES} minutes. Nothing was signed in: start again.`,
      );
    let claims: Record<string, unknown>;
    try {
      const config = await configuration();
      // The answer as the issuer sent it: the configured redirect URL (what the issuer knows)
      // with the query this request carries, whatever host name a proxy gave it.
      const current = new URL(settings.redirectUrl);
      const query = req.originalUrl.indexOf('?');
      current.search = query < 0 ? '' : req.originalUrl.slice(query);
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      claims = { ...idClaims };
      // Many issuers release the groups (and e-mail) at the userinfo endpoint only.
      if (
        (claims[settings.groupsClaim] === undefined || claims[settings.subjectClaim] === undefined) &&
        config.serverMetadata().userinfo_endpoint
      )
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...claims };
    } catch (err) {
      opts.log.warn({ err: (err as Error).message, issuer: settings.issuerUrl }, 'oidc sign-in refused');
      const { status, text } = refusalOf(err);
      return opts.refuse(res, status, text);
    }
    const next = opts.safeNext(flow.next);
    const actor = actorOf(claims, settings);
    if ('refusal' in actor) {
      opts.log.warn({ sub: claims.sub, issuer: settings.issuerUrl }, 'oidc sign-in: no role');
      return opts.refuse(res, 403, actor.refusal);
    }
    const { sessionId } = await startOidcSession(opts.pool, actor);
    opts.log.info({ subject: actor.subject, role: actor.role, via: 'oidc' }, 'portal sign-in');
    setSessionCookie(res, sessionId, opts.secure);
    // A page, not a redirect: after a redirect chain that began at the issuer's site the browser
    // would not yet send the SameSite=Strict session cookie; a navigation from this page does.
    res
      .status(200)
      .type('html')
      .send(
        layout({
          title: 'Signed in',
          head: html`<meta http-equiv="refresh" content="0;url=${next}" />`,
          body: html`<p><a href="${next}">Continue</a></p>`,
        }),
      );
  });
  return router;
}

/** The flow a cookie carries, or undefined for a missing or malformed one. */
function flowOf(cookie: string | undefined): Flow | undefined {
  if (!cookie) return undefined;
  try {
    const flow = JSON.parse(Buffer.from(cookie, 'base64url').toString('utf8')) as Partial<Flow>;
    return typeof flow.state === 'string' &&
      typeof flow.nonce === 'string' &&
      typeof flow.verifier === 'string' &&
      typeof flow.next === 'string'
      ? (flow as Flow)
      : undefined;
  } catch {
    return undefined;
  }
}
