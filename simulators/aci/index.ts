/**
 * Cisco APIC REST simulator: `aaaLogin` / `aaaRefresh` / `aaaLogout` with the `APIC-cookie`
 * token, MO and class reads with the APIC query options, POST writes with `status` semantics in
 * one transaction, idempotent DELETE, and the `imdata` / `error` envelopes — per
 * ../shared/reference/aci-api.md. The tree lives in the world's `aci` section, so a restart keeps it.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { createSimulatorApp, safeEqual, serve, type FaultBody } from '../common';
import type { RunningSimulator, SimulatorContext, SimulatorModule } from '../common';
import type { World } from '../world';
import { ApicError } from './model';
import { SessionStore, type ApicSession } from './sessions';
import {
  applyDelete,
  applyPost,
  parseQueryOptions,
  queryClass,
  queryMo,
  seedTable,
  type MoTable,
} from './tree';
import { syncVmmPortGroups, type VmmPortGroup } from './vmm';

/** The ACI section of the world: the management information tree keyed by dn. */
export interface AciSection {
  mos: MoTable;
  /** The vCenter port groups the VMM integration made, by the dn of the EPG binding that asked. */
  vmmPortGroups?: Record<string, VmmPortGroup>;
}

/** Durations (ms) of APIC sessions; the APIC reports them in seconds on login. */
export const aciDurations = {
  'aci.session-refresh-timeout': 600_000,
  'aci.session-max-lifetime': 86_400_000,
};

/** The APIC version this simulator answers as. */
const APIC_VERSION = '5.2(7g)';

function tree(world: World): AciSection {
  return world.section<AciSection>('aci', () => ({ mos: seedTable(new Date(world.now())) }));
}

/** The APIC error envelope. */
function errorBody(code: string, text: string) {
  return { totalCount: '1', imdata: [{ error: { attributes: { code, text } } }] };
}

const faultBody: FaultBody = (status, message) => ({
  contentType: 'application/json',
  body: JSON.stringify(errorBody(String(status), message)),
});

function tokenFromCookies(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === 'apic-cookie') return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Remote users log in as `apic#<domain>\<user>`; the simulator knows local users only. */
function localUserName(name: string): string {
  const match = /^apic#[^\\]*\\(.+)$/.exec(name);
  return match?.[1] ?? name;
}

function seconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

function loginBody(world: World, session: ApicSession) {
  return {
    totalCount: '1',
    imdata: [
      {
        aaaLogin: {
          attributes: {
            token: session.token,
            siteFingerprint: 'simulatedfingerprint',
            refreshTimeoutSeconds: seconds(world.duration('aci.session-refresh-timeout')),
            maximumLifetimeSeconds: seconds(world.duration('aci.session-max-lifetime')),
            guiIdleTimeoutSeconds: '1200',
            restTimeoutSeconds: '90',
            creationTime: String(Math.floor(session.issuedAt / 1000)),
            firstLoginTime: String(Math.floor(session.firstLoginAt / 1000)),
            userName: session.userName,
            remoteUser: 'false',
            unixUserId: '15374',
            sessionId: session.sessionId,
            lastName: '',
            firstName: '',
            changePassword: 'no',
            version: APIC_VERSION,
            buildTime: 'Wed Mar 01 00:00:00 UTC 2023',
            node: 'topology/pod-1/node-1',
          },
          children: [{ aaaUserDomain: { attributes: { name: 'all', rolesR: 'admin', rolesW: 'admin' } } }],
        },
      },
    ],
  };
}

/**
 * Sets the session cookie as the APIC does: the token verbatim (its base64 `/`, `+` and `=` are
 * legal cookie octets), so a client replaying its cookie jar presents exactly the token it was
 * given. No `Secure` flag because the simulator speaks plain HTTP on loopback.
 */
function sendSession(res: Response, world: World, session: ApicSession): void {
  res.cookie('APIC-cookie', session.token, { path: '/', httpOnly: true, encode: String });
  res.json(loginBody(world, session));
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new ApicError(400, '400', `JSON parsing failed - ${(err as Error).message}`);
  }
}

/** Splits `/api/[node/]mo/<dn>.json` or `/api/[node/]class/<class>.json` into kind and target. */
function route(originalUrl: string): { kind: 'mo' | 'class'; target: string } | undefined {
  const rawPath = originalUrl.split('?')[0] ?? '';
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  const match = /^\/api\/(?:node\/)?(mo|class)\/(.+)\.json$/.exec(path);
  if (!match) return undefined;
  return { kind: match[1] as 'mo' | 'class', target: match[2] as string };
}

/** The APIC simulator app over `ctx`'s world. */
export function createAciApp(ctx: SimulatorContext): express.Express {
  const { world } = ctx;
  // Session lifetimes are timeouts, not transitions: the `*` override must not expire tokens at once.
  world.defineDurations(aciDurations, Object.keys(aciDurations));
  tree(world);
  const sessions = new SessionStore(
    () => ({
      refreshTimeoutMs: world.duration('aci.session-refresh-timeout'),
      maximumLifetimeMs: world.duration('aci.session-max-lifetime'),
    }),
    world.now,
  );
  world.on('reset', () => sessions.clear());

  const app = createSimulatorApp({ system: 'aci', ctx, faultBody });
  // The APIC parses any body as JSON whatever its content type; clients often send none.
  app.use(
    express.text({
      type: (req) => !String(req.headers['content-type'] ?? '').includes('json'),
      limit: '5mb',
    }),
  );

  // The log-in domains, read without a session (the APIC's log-in page asks for them first).
  app.get('/api/aaaListDomains.json', (_req, res) => {
    res.json({
      imdata: [
        { name: 'DefaultAuth', guiBanner: '' },
        { name: 'local', guiBanner: '' },
      ],
    });
  });

  app.post('/api/aaaLogin.json', (req, res) => {
    const body = parseBody(req.body) as
      { aaaUser?: { attributes?: { name?: unknown; pwd?: unknown } } } | undefined;
    const attributes = body?.aaaUser?.attributes;
    if (typeof attributes?.name !== 'string' || typeof attributes.pwd !== 'string') {
      throw new ApicError(400, '400', 'JSON parsing failed - aaaUser.attributes.name and pwd are required');
    }
    const expected = ctx.credentials.aci;
    const name = localUserName(attributes.name);
    if (!safeEqual(name, expected.username) || !safeEqual(attributes.pwd, expected.password)) {
      throw new ApicError(401, '401', 'Username or password is incorrect - FAILED local authentication');
    }
    sendSession(res, world, sessions.login(name));
  });

  const requireSession = (req: Request): ApicSession => {
    const checked = sessions.check(tokenFromCookies(req.headers.cookie));
    if (!checked.ok) throw new ApicError(403, '403', checked.text);
    return checked.session;
  };

  const refresh = (req: Request, res: Response) => {
    const session = requireSession(req);
    sendSession(res, world, sessions.refresh(session));
  };
  app.get('/api/aaaRefresh.json', refresh);
  app.post('/api/aaaRefresh.json', refresh);

  app.post('/api/aaaLogout.json', (req, res) => {
    const token = tokenFromCookies(req.headers.cookie);
    if (token) sessions.logout(token);
    res.clearCookie('APIC-cookie', { path: '/' });
    res.json({ totalCount: '0', imdata: [] });
  });

  app.use('/api', (req, res, next) => {
    const target = route(req.originalUrl);
    if (!target) return next();
    requireSession(req);
    const mos = () => tree(world).mos;
    const commit = (next: MoTable) =>
      world.change(() => {
        const section = tree(world);
        section.mos = next;
        syncVmmPortGroups(world, next, (section.vmmPortGroups ??= {}));
      });
    if (req.method === 'GET') {
      const options = parseQueryOptions(req.query as Record<string, unknown>);
      const result =
        target.kind === 'mo'
          ? queryMo(mos(), target.target, options)
          : queryClass(mos(), target.target, options);
      res.json({ totalCount: String(result.totalCount), imdata: result.imdata });
      return;
    }
    if (target.kind === 'mo' && req.method === 'POST') {
      commit(applyPost(mos(), target.target, parseBody(req.body), new Date(world.now())));
      res.json({ totalCount: '0', imdata: [] });
      return;
    }
    if (target.kind === 'mo' && req.method === 'DELETE') {
      commit(applyDelete(mos(), target.target));
      res.json({ totalCount: '0', imdata: [] });
      return;
    }
    throw new ApicError(
      400,
      '400',
      `Request failed, method ${req.method} not supported on ${target.kind} URLs`,
    );
  });

  app.use((req, _res, next) => {
    next(new ApicError(400, '400', `Request failed, unresolved URL ${req.path}`));
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApicError) {
      res.status(err.httpStatus).json(errorBody(err.code, err.text));
      return;
    }
    const parseFailure = (err as { type?: string }).type === 'entity.parse.failed';
    if (parseFailure) {
      res.status(400).json(errorBody('400', `JSON parsing failed - ${(err as Error).message}`));
      return;
    }
    ctx.log.error({ err }, 'aci simulator error');
    res.status(500).json(errorBody('500', 'Internal error'));
  });
  return app;
}

/** Starts the APIC simulator on a free port (or `listen.port`). */
export async function startAci(
  ctx: SimulatorContext,
  listen: { host?: string; port?: number } = {},
): Promise<RunningSimulator> {
  const served = await serve(createAciApp(ctx), listen);
  return { system: 'aci', url: served.url, stop: served.stop };
}

/** The launcher's handle on this simulator. */
export const simulator: SimulatorModule = { system: 'aci', start: startAci };
