/**
 * Cisco APIC REST API client, in the API's nouns: managed objects (MO) by distinguished name,
 * class queries, aaaLogin / aaaRefresh.
 *
 * Logging in is not an activity: the client logs in (`POST /api/aaaLogin.json`) when it first
 * needs a token, shares the token (sent as the `APIC-cookie` cookie) across the worker's
 * activities, refreshes it (`GET /api/aaaRefresh.json`) at half its idle timeout, logs in again
 * before its maximum lifetime, and after a refusal (401, or the 403 APIC gives for an expired
 * token) logs in again once and repeats the call. The token lives only in this process — it
 * never passes through an activity's input or output, so never through workflow history.
 * API reference: https://www.cisco.com/c/en/us/td/docs/dcn/aci/apic/all/apic-rest-api-configuration-guide.html
 */
import { HttpClient, SessionAuth, type TlsOptions, type UpstreamError } from '../http';

/** One managed object as the API renders it: `{<class>: {attributes, children?}}`. */
export type ManagedObject = Record<
  string,
  { attributes: Record<string, string>; children?: ManagedObject[] }
>;

/** The APIC envelope of every answer. */
export interface ImData {
  totalCount: string;
  imdata: ManagedObject[];
}

/** Query options of MO and class reads (values as APIC spells them). */
export interface QueryOptions {
  'query-target'?: 'self' | 'children' | 'subtree';
  'target-subtree-class'?: string;
  'query-target-filter'?: string;
  'rsp-subtree'?: 'no' | 'children' | 'full';
  'rsp-subtree-class'?: string;
  'rsp-subtree-include'?: string;
  'rsp-prop-include'?: 'all' | 'naming-only' | 'config-only';
  'order-by'?: string;
  page?: number;
  'page-size'?: number;
}

/** Where the APIC is and how to log in; the password is read when needed, never stored here. */
export interface AciClientOptions {
  /** e.g. `https://apic.example.com`. */
  url: string;
  username: string;
  password: () => string;
  timeoutMs: number;
  tls?: TlsOptions;
  /** Clock, for tests of refresh timing. */
  now?: () => number;
}

/** APIC error envelope: `{"imdata": [{"error": {"attributes": {"code", "text"}}}]}`. */
export function parseAciError(body: unknown): UpstreamError | undefined {
  const first = (body as ImData | undefined)?.imdata?.[0]?.error?.attributes;
  if (first) return { message: first.text ?? '', ...(first.code ? { code: first.code } : {}) };
  return undefined;
}

interface AciSession {
  secret: string;
  /** When the token was issued or last refreshed (ms). */
  refreshedAt: number;
  /** When this login's lifetime ends, whatever the refreshes (ms). */
  expiresAt: number;
  refreshTimeoutMs: number;
}

interface AaaLogin {
  token: string;
  refreshTimeoutSeconds?: string;
  maximumLifetimeSeconds?: string;
}

class AciSessionAuth extends SessionAuth<AciSession> {
  constructor(
    private readonly client: AciClient,
    private readonly password: () => string,
    private readonly now: () => number,
  ) {
    super();
  }

  protected async login(signal: AbortSignal): Promise<AciSession> {
    const granted = await this.client.aaaLogin(signal);
    const now = this.now();
    const refreshTimeoutMs = Number(granted.refreshTimeoutSeconds ?? 600) * 1000;
    return {
      secret: granted.token,
      refreshedAt: now,
      expiresAt: now + Number(granted.maximumLifetimeSeconds ?? 86_400) * 1000,
      refreshTimeoutMs,
    };
  }

  protected override async current(signal: AbortSignal): Promise<AciSession> {
    const s = this.session;
    const now = this.now();
    // Too close to the end of the login's lifetime, or idle too long: a new login.
    if (s && (now > s.expiresAt - 60_000 || now > s.refreshedAt + s.refreshTimeoutMs))
      this.session = undefined;
    else if (s && now > s.refreshedAt + s.refreshTimeoutMs / 2) {
      try {
        const refreshed = await this.client.aaaRefresh(s.secret, signal);
        this.session = { ...s, secret: refreshed.token, refreshedAt: now };
      } catch {
        this.session = undefined;
      }
    }
    return super.current(signal);
  }

  protected sessionHeaders(session: AciSession): Record<string, string> {
    return { cookie: `APIC-cookie=${session.secret}` };
  }

  protected staticSecrets(): string[] {
    return [this.password()];
  }

  /** APIC answers 403 (not 401) to a missing or timed-out token; a 403 for RBAC is not a refusal. */
  isRefusal(status: number, upstream: UpstreamError): boolean {
    return (
      status === 401 || (status === 403 && /token|cookie|session|timed? ?out|expired/i.test(upstream.message))
    );
  }
}

/** One APIC cluster; shared by all activities of a worker, with one token. */
export class AciClient {
  readonly http: HttpClient;
  private readonly plain: HttpClient;

  constructor(private readonly opts: AciClientOptions) {
    const auth = new AciSessionAuth(this, opts.password, opts.now ?? Date.now);
    this.http = new HttpClient({
      system: 'aci',
      baseUrl: `${opts.url}/api`,
      timeoutMs: opts.timeoutMs,
      tls: opts.tls,
      auth,
      parseError: parseAciError,
    });
    // Log-in and refresh carry their own credentials; failures still scrub the password.
    this.plain = new HttpClient({
      system: 'aci',
      baseUrl: `${opts.url}/api`,
      timeoutMs: opts.timeoutMs,
      tls: opts.tls,
      auth: {
        headers: async () => ({}),
        reauthenticate: async () => undefined,
        isRefusal: () => false,
        secrets: () => [opts.password(), ...auth.secrets()],
      },
      parseError: parseAciError,
    });
  }

  /** Logs in with name and password. https://www.cisco.com/c/en/us/td/docs/dcn/aci/apic/all/apic-rest-api-configuration-guide.html (Authenticating) */
  async aaaLogin(signal?: AbortSignal): Promise<AaaLogin> {
    const res = await this.plain.request<ImData>({
      call: 'aaaLogin',
      method: 'POST',
      path: '/aaaLogin.json',
      json: { aaaUser: { attributes: { name: this.opts.username, pwd: this.opts.password() } } },
      signal,
    });
    return this.tokenOf('aaaLogin', res.body);
  }

  /** Renews a token before its idle timeout; APIC issues a new one. https://www.cisco.com/c/en/us/td/docs/dcn/aci/apic/all/apic-rest-api-configuration-guide.html (Authenticating) */
  async aaaRefresh(token: string, signal?: AbortSignal): Promise<AaaLogin> {
    const res = await this.plain.request<ImData>({
      call: 'aaaRefresh',
      method: 'GET',
      path: '/aaaRefresh.json',
      headers: { cookie: `APIC-cookie=${token}` },
      signal,
    });
    return this.tokenOf('aaaRefresh', res.body);
  }

  private tokenOf(call: string, body: ImData): AaaLogin {
    const attrs = body?.imdata?.[0]?.aaaLogin?.attributes;
    if (!attrs?.token) throw new Error(`aci ${call}: the answer carries no token`);
    return attrs as unknown as AaaLogin;
  }

  /**
   * Creates or updates an MO subtree (`status` omitted: upsert, idempotent). `dn` names the
   * object the body's top object lives in or is. https://www.cisco.com/c/en/us/td/docs/dcn/aci/apic/all/apic-rest-api-configuration-guide.html (Creating the Tenant, VRF, and Bridge Domain)
   */
  async postMo(dn: string, body: ManagedObject, signal?: AbortSignal): Promise<void> {
    await this.http.request({ call: 'postMo', method: 'POST', path: `/mo/${dn}.json`, json: body, signal });
  }

  /** Reads an MO (and, with options, its subtree); `[]` when the dn does not exist. https://www.cisco.com/c/en/us/td/docs/dcn/aci/apic/all/apic-rest-api-configuration-guide.html (Composing Query Filter Expressions) */
  async readMo(dn: string, options: QueryOptions = {}, signal?: AbortSignal): Promise<ImData> {
    const res = await this.http.request<ImData>({
      call: 'readMo',
      method: 'GET',
      path: `/mo/${dn}.json`,
      query: options as Record<string, string | number>,
      signal,
    });
    return res.body;
  }

  /** Queries every MO of a class, with filters and paging. https://www.cisco.com/c/en/us/td/docs/dcn/aci/apic/all/apic-rest-api-configuration-guide.html (Composing Query Filter Expressions) */
  async queryClass(className: string, options: QueryOptions = {}, signal?: AbortSignal): Promise<ImData> {
    const res = await this.http.request<ImData>({
      call: 'queryClass',
      method: 'GET',
      path: `/node/class/${encodeURIComponent(className)}.json`,
      query: options as Record<string, string | number>,
      signal,
    });
    return res.body;
  }

  /** Deletes an MO and its subtree; deleting an absent dn succeeds too. https://www.cisco.com/c/en/us/td/docs/dcn/aci/apic/all/apic-rest-api-configuration-guide.html */
  async deleteMo(dn: string, signal?: AbortSignal): Promise<void> {
    await this.http.request({ call: 'deleteMo', method: 'DELETE', path: `/mo/${dn}.json`, signal });
  }

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.plain.close()]);
  }
}
