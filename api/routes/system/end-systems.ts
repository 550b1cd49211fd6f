/**
 * The end systems as `GET /v1/system/status` shows them: configured URL, reachable, the version
 * each reports, when last checked. One prober per API process asks each system every few seconds
 * in the background (each ask bounded by a timeout) and the route reads its last answers, so a
 * dashboard polled from many browsers never adds a call to an end system.
 *
 * The API holds no end-system credential (those live in the workers), so every probe reads what
 * the product answers without one: AWX `GET /api/v2/ping/`, TFE `GET /api/v2/ping` (its
 * `X-TFE-Version` header), vCenter `GET /sdk/vimServiceVersions.xml` (the vSphere API version the
 * SDKs read before logging in), the APIC's `GET /api/aaaListDomains.json` (the APIC tells its
 * version only after a log-in), and the SMTP server's greeting.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { readFileSync } from 'node:fs';
import { HttpClient } from '../../../activities/http';
import type { EndSystemLocations, EndSystemName, TlsConfig } from '../../../platform/end-systems';

/** How often the prober asks every system. */
export const PROBE_EVERY_MS = 5_000;
/** The longest one ask may take; a system slower than this is shown unreachable. */
export const PROBE_TIMEOUT_MS = 3_000;

export interface EndSystemStatus {
  system: EndSystemName;
  /** False when this API process has no URL for it (the workers may still have one). */
  configured: boolean;
  /** The configured URL, without credentials (`smtp://host:port` for SMTP). */
  url: string | null;
  reachable: boolean;
  /** The version the system reports; null when it reports none without a log-in, or did not answer. */
  version: string | null;
  /** What the system says it is (`Terraform Enterprise`, `HCP Terraform`, an SMTP greeting). */
  product?: string;
  /** Why it is not reachable. */
  error?: string;
  /** When the last probe ended; null before the first. */
  lastChecked: string | null;
  /** How long the last probe took. */
  latencyMs?: number;
}

/** What one probe learns. */
interface Answer {
  version: string | null;
  product?: string;
}

interface Probe {
  system: EndSystemName;
  url: string;
  ask(signal: AbortSignal): Promise<Answer>;
  close?(): Promise<void>;
}

/** A URL as it may be shown: no user name or password in it. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

/** A probe of an HTTP end system: `ask` reads its version through a client of its own. */
function httpProbe(
  system: EndSystemName,
  at: { url: string; tls: TlsConfig },
  timeoutMs: number,
  ask: (client: HttpClient, signal: AbortSignal) => Promise<{ version: string | null; product?: string }>,
): Probe {
  const client = new HttpClient({
    system,
    baseUrl: at.url,
    timeoutMs,
    tls: at.tls,
    parseError: () => undefined,
  });
  return {
    system,
    url: displayUrl(at.url),
    ask: (signal) => ask(client, signal),
    close: () => client.close(),
  };
}

/** The vSphere API version in `vimServiceVersions.xml`: the `urn:vim25` namespace's current version. */
export function vimApiVersion(xml: string): string | null {
  const vim25 = /<namespace>\s*<name>urn:vim25<\/name>\s*<version>([^<]+)<\/version>/.exec(xml);
  return vim25?.[1]?.trim() ?? null;
}

/** An SMTP greeting's text, `220 mail.example.com ESMTP Postfix` → `mail.example.com ESMTP Postfix`. */
export function smtpGreeting(line: string): string | undefined {
  return /^220[ -](.*)$/.exec(line.trim())?.[1]?.trim();
}

function probesFor(at: EndSystemLocations, timeoutMs: number): Probe[] {
  const probes: Probe[] = [];
  if (at.awx) {
    const apiPrefix = at.awx.apiPrefix.replace(/^\//, '');
    probes.push(
      httpProbe('awx', at.awx, timeoutMs, async (client, signal) => {
        // https://docs.ansible.com/automation-controller/latest/html/controllerapi/api_ref.html (ping)
        const res = await client.request<{ version?: unknown }>({
          call: 'ping',
          method: 'GET',
          path: `${apiPrefix}/ping/`,
          signal,
        });
        return { version: typeof res.body?.version === 'string' ? res.body.version : null };
      }),
    );
  }
  if (at.tfe)
    probes.push(
      httpProbe('tfe', at.tfe, timeoutMs, async (client, signal) => {
        // https://developer.hashicorp.com/terraform/enterprise/api-docs (ping: 204 with version headers)
        const res = await client.request({ call: 'ping', method: 'GET', path: 'api/v2/ping', signal });
        const product = res.headers.get('tfp-appname') ?? undefined;
        const version =
          res.headers.get('x-tfe-version') ??
          (res.headers.get('tfp-api-version') ? `API ${res.headers.get('tfp-api-version')}` : null);
        return { version, ...(product ? { product } : {}) };
      }),
    );
  if (at.vcenter)
    probes.push(
      httpProbe('vcenter', at.vcenter, timeoutMs, async (client, signal) => {
        const res = await client.request<string>({
          call: 'vimServiceVersions',
          method: 'GET',
          path: 'sdk/vimServiceVersions.xml',
          signal,
        });
        const version = vimApiVersion(res.text);
        return { version: version ? `vSphere API ${version}` : null };
      }),
    );
  if (at.aci)
    probes.push(
      httpProbe('aci', at.aci, timeoutMs, async (client, signal) => {
        await client.request({
          call: 'aaaListDomains',
          method: 'GET',
          path: 'api/aaaListDomains.json',
          signal,
        });
        return { version: null, product: 'Cisco APIC' };
      }),
    );
  if (at.smtp) {
    const smtp = at.smtp;
    probes.push({
      system: 'smtp',
      url: `${smtp.secure ? 'smtps' : 'smtp'}://${smtp.host}:${smtp.port}`,
      async ask(signal) {
        const greeting = await readGreeting(smtp, signal);
        return { version: null, product: greeting };
      },
    });
  }
  return probes;
}

/** Connects, reads the server's `220` greeting, says QUIT. */
function readGreeting(
  smtp: { host: string; port: number; secure: boolean; tls: TlsConfig },
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = smtp.secure
      ? connectTls({
          host: smtp.host,
          port: smtp.port,
          servername: smtp.host,
          rejectUnauthorized: !smtp.tls.insecure,
          ...(smtp.tls.caFile ? { ca: readFileSync(smtp.tls.caFile) } : {}),
        })
      : connectTcp({ host: smtp.host, port: smtp.port });
    let buffered = '';
    const done = (err: Error | undefined, greeting?: string) => {
      signal.removeEventListener('abort', onAbort);
      if (greeting !== undefined) socket.end('QUIT\r\n');
      else socket.destroy();
      if (err) reject(err);
      else resolve(greeting!);
    };
    const onAbort = () => done(new Error('no greeting in time'));
    signal.addEventListener('abort', onAbort);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end === -1) return;
      const line = buffered.slice(0, end);
      const greeting = smtpGreeting(line);
      if (greeting === undefined) done(new Error(`unexpected greeting: ${line.trim().slice(0, 200)}`));
      else done(undefined, greeting);
    });
    socket.on('error', (err) => done(err));
    socket.on('close', () => done(new Error('closed before greeting')));
  });
}

export interface EndSystemProber {
  /** The last answers, one per end system, configured or not. */
  current(): EndSystemStatus[];
  /** Resolves once every system has been asked at least once (tests, start-up). */
  firstRound(): Promise<void>;
  stop(): Promise<void>;
}

const allSystems: EndSystemName[] = ['awx', 'tfe', 'vcenter', 'aci', 'smtp'];

/** Starts asking every configured system every `everyMs`; one round at a time, never overlapping. */
export function startEndSystemProber(
  at: EndSystemLocations,
  opts: { everyMs?: number; timeoutMs?: number } = {},
): EndSystemProber {
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  const probes = probesFor(at, timeoutMs);
  const results = new Map<EndSystemName, EndSystemStatus>(
    allSystems.map((system) => {
      const probe = probes.find((p) => p.system === system);
      return [
        system,
        {
          system,
          configured: !!probe,
          url: probe?.url ?? null,
          reachable: false,
          version: null,
          lastChecked: null,
        },
      ];
    }),
  );
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stopping = new AbortController();

  const askOne = async (probe: Probe): Promise<void> => {
    const started = Date.now();
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]);
    let next: EndSystemStatus;
    try {
      const answer = await probe.ask(signal);
      next = {
        system: probe.system,
        configured: true,
        url: probe.url,
        reachable: true,
        ...answer,
        lastChecked: '',
      };
    } catch (err) {
      if (stopped) return;
      next = {
        system: probe.system,
        configured: true,
        url: probe.url,
        reachable: false,
        version: null,
        error: signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message,
        lastChecked: '',
      };
    }
    next.lastChecked = new Date().toISOString();
    next.latencyMs = Date.now() - started;
    results.set(probe.system, next);
  };

  const round = async (): Promise<void> => {
    await Promise.all(probes.map(askOne));
    if (!stopped) timer = setTimeout(() => void (rounds = round()), opts.everyMs ?? PROBE_EVERY_MS).unref();
  };
  let rounds = round();
  const first = rounds;

  return {
    current: () => allSystems.map((s) => results.get(s)!),
    firstRound: () => first,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      stopping.abort();
      await rounds.catch(() => undefined);
      await Promise.all(probes.map((p) => p.close?.()));
    },
  };
}
