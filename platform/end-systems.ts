/**
 * Where the end systems are and how to log in to them, parsed by zod when a worker starts: a bad
 * value refuses to start and names the variable. A system whose URL is not set is absent from the
 * result (the stack then starts its simulator). Secret values may come from the environment or
 * from a JSON secrets file (`END_SYSTEMS_SECRETS_FILE`, same keys as the variables); they are
 * wrapped in `Secret`, which prints as `[redacted]` wherever a config object is logged.
 * Credentials live only in the worker process: never in workflow inputs, outputs or logs.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';
import { parseConfig } from './parse-config';

/** A credential that does not print: `String(s)`, `JSON.stringify(s)` and `inspect(s)` redact it. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The value itself, for the one place that sends it (an Authorization header, a log-in body). */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

/** Variables that hold secrets; the only ones a secrets file may set. */
export const secretVariables = [
  'AWX_TOKEN',
  'TFE_TOKEN',
  'VCENTER_PASSWORD',
  'ACI_PASSWORD',
  'SMTP_PASSWORD',
] as const;

const url = z.url().transform((u) => u.replace(/\/+$/, ''));
const secret = z
  .string()
  .min(1)
  .transform((s) => new Secret(s));
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const envFields = z.object({
  END_SYSTEMS_SECRETS_FILE: z.string().min(1).optional(),
  /** CA bundle (PEM) trusted for every end system unless a system sets its own. */
  END_SYSTEMS_CA_FILE: z.string().min(1).optional(),
  /** Accept any TLS certificate from every end system. Labs only. */
  END_SYSTEMS_TLS_INSECURE: flag,
  END_SYSTEMS_HTTP_TIMEOUT_MS: ms(30_000),

  AWX_URL: url.optional(),
  /** `/api/v2` for AWX and AAP ≤ 2.4; `/api/controller/v2` through the AAP 2.5+ gateway. */
  AWX_API_PREFIX: z
    .string()
    .regex(/^\/[\w/-]*$/)
    .default('/api/v2'),
  AWX_TOKEN: secret.optional(),
  AWX_CA_FILE: z.string().min(1).optional(),
  AWX_TLS_INSECURE: flag,
  AWX_POLL_INTERVAL_MS: ms(3_000),
  /** How far back a launch looks for a job it may already have started (retry, crash, reset). */
  AWX_IDEMPOTENCY_LOOKBACK_HOURS: z.coerce.number().positive().default(72),

  TFE_URL: url.optional(),
  TFE_TOKEN: secret.optional(),
  TFE_ORGANIZATION: z.string().min(1).optional(),
  TFE_CA_FILE: z.string().min(1).optional(),
  TFE_TLS_INSECURE: flag,
  TFE_POLL_INTERVAL_MS: ms(2_000),
  /**
   * Requests one worker process sends TFE per second: HCP Terraform allows 30 per token, so 20
   * leaves room for a second process or a person's CLI. Waits and calls share it.
   */
  TFE_MAX_REQUESTS_PER_SECOND: z.coerce.number().positive().max(1000).default(20),

  VCENTER_URL: url.optional(),
  VCENTER_USERNAME: z.string().min(1).optional(),
  VCENTER_PASSWORD: secret.optional(),
  /** `auto` (default) tries `/api` (7.0U2+) and falls back to the legacy `/rest` style. */
  VCENTER_API_STYLE: z.enum(['auto', 'api', 'rest']).default('auto'),
  VCENTER_CA_FILE: z.string().min(1).optional(),
  VCENTER_TLS_INSECURE: flag,

  ACI_URL: url.optional(),
  ACI_USERNAME: z.string().min(1).optional(),
  ACI_PASSWORD: secret.optional(),
  ACI_CA_FILE: z.string().min(1).optional(),
  ACI_TLS_INSECURE: flag,

  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** `true` for implicit TLS (port 465); otherwise STARTTLS is used when the server offers it. */
  SMTP_SECURE: flag,
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: secret.optional(),
  SMTP_FROM: z.string().min(3).optional(),
  SMTP_CA_FILE: z.string().min(1).optional(),
  SMTP_TLS_INSECURE: flag,
});

const envSchema = envFields.superRefine((env, ctx) => {
  const need = (when: unknown, keys: (keyof typeof env)[], system: string) => {
    if (!when) return;
    for (const key of keys)
      if (env[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `required when ${system} is configured` });
  };
  need(env.AWX_URL, ['AWX_TOKEN'], 'AWX_URL');
  need(env.TFE_URL, ['TFE_TOKEN', 'TFE_ORGANIZATION'], 'TFE_URL');
  need(env.VCENTER_URL, ['VCENTER_USERNAME', 'VCENTER_PASSWORD'], 'VCENTER_URL');
  need(env.ACI_URL, ['ACI_USERNAME', 'ACI_PASSWORD'], 'ACI_URL');
  need(env.SMTP_HOST, ['SMTP_FROM'], 'SMTP_HOST');
  if (env.SMTP_USER && !env.SMTP_PASSWORD)
    ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'required when SMTP_USER is set' });
});

/** The variables that say where each system is and how to trust it: no credential among them. */
const locationSchema = envFields.pick({
  END_SYSTEMS_CA_FILE: true,
  END_SYSTEMS_TLS_INSECURE: true,
  END_SYSTEMS_HTTP_TIMEOUT_MS: true,
  AWX_URL: true,
  AWX_API_PREFIX: true,
  AWX_CA_FILE: true,
  AWX_TLS_INSECURE: true,
  TFE_URL: true,
  TFE_CA_FILE: true,
  TFE_TLS_INSECURE: true,
  VCENTER_URL: true,
  VCENTER_CA_FILE: true,
  VCENTER_TLS_INSECURE: true,
  ACI_URL: true,
  ACI_CA_FILE: true,
  ACI_TLS_INSECURE: true,
  SMTP_HOST: true,
  SMTP_PORT: true,
  SMTP_SECURE: true,
  SMTP_CA_FILE: true,
  SMTP_TLS_INSECURE: true,
});

/** TLS trust of one end system. */
export interface TlsConfig {
  caFile?: string;
  insecure: boolean;
}

interface HttpSystemConfig {
  url: string;
  tls: TlsConfig;
  timeoutMs: number;
}

/** AWX / Automation Controller. */
export interface AwxConfig extends HttpSystemConfig {
  apiPrefix: string;
  token: Secret;
  pollIntervalMs: number;
  idempotencyLookbackMs: number;
}

/** Terraform Enterprise / HCP Terraform. */
export interface TfeConfig extends HttpSystemConfig {
  token: Secret;
  organization: string;
  pollIntervalMs: number;
  maxRequestsPerSecond: number;
}

/** vCenter. */
export interface VcenterConfig extends HttpSystemConfig {
  username: string;
  password: Secret;
  /** A forced URL style; absent means probe. */
  apiStyle?: 'api' | 'rest';
}

/** Cisco APIC. */
export interface AciConfig extends HttpSystemConfig {
  username: string;
  password: Secret;
}

/** The SMTP relay. */
export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: Secret;
  from: string;
  tls: TlsConfig;
}

/** The configured end systems; an absent one is to be simulated. */
export interface EndSystemsConfig {
  awx?: AwxConfig;
  tfe?: TfeConfig;
  vcenter?: VcenterConfig;
  aci?: AciConfig;
  smtp?: SmtpConfig;
}

export type EndSystemName = keyof EndSystemsConfig;

/** The variable whose presence configures each end system. */
export const endSystemVariables: Record<EndSystemName, string> = {
  awx: 'AWX_URL',
  tfe: 'TFE_URL',
  vcenter: 'VCENTER_URL',
  aci: 'ACI_URL',
  smtp: 'SMTP_HOST',
};

function readSecretsFile(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // The file's content is secret: name the file and the kind of problem, never the text.
    const reason = (err as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new Error(`invalid configuration:\n  END_SYSTEMS_SECRETS_FILE: cannot read ${file} (${reason})`);
  }
  const shape = z
    .object(Object.fromEntries(secretVariables.map((k) => [k, z.string().min(1).optional()])))
    .strict();
  const secrets = parseConfig(
    shape,
    parsed,
    `END_SYSTEMS_SECRETS_FILE ${file} (it holds only ${secretVariables.join(', ')})`,
  );
  return Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

/** Parses the end systems' configuration from `env` (and the secrets file it names). */
export function loadEndSystemsConfig(env: NodeJS.ProcessEnv = process.env): EndSystemsConfig {
  const merged: NodeJS.ProcessEnv = { ...env };
  if (env.END_SYSTEMS_SECRETS_FILE) {
    const fromFile = readSecretsFile(env.END_SYSTEMS_SECRETS_FILE);
    for (const [key, value] of Object.entries(fromFile)) {
      if (env[key] !== undefined)
        throw new Error(
          `invalid configuration:\n  ${key}: set both in the environment and in END_SYSTEMS_SECRETS_FILE; keep one`,
        );
      merged[key] = value;
    }
  }
  const e = parseConfig(envSchema, merged);
  const at = locate(e);
  const config: EndSystemsConfig = {};
  if (at.awx)
    config.awx = {
      ...at.awx,
      token: e.AWX_TOKEN!,
      pollIntervalMs: e.AWX_POLL_INTERVAL_MS,
      idempotencyLookbackMs: e.AWX_IDEMPOTENCY_LOOKBACK_HOURS * 3_600_000,
    };
  if (at.tfe)
    config.tfe = {
      ...at.tfe,
      token: e.TFE_TOKEN!,
      organization: e.TFE_ORGANIZATION!,
      pollIntervalMs: e.TFE_POLL_INTERVAL_MS,
      maxRequestsPerSecond: e.TFE_MAX_REQUESTS_PER_SECOND,
    };
  if (at.vcenter)
    config.vcenter = {
      ...at.vcenter,
      username: e.VCENTER_USERNAME!,
      password: e.VCENTER_PASSWORD!,
      ...(e.VCENTER_API_STYLE !== 'auto' ? { apiStyle: e.VCENTER_API_STYLE } : {}),
    };
  if (at.aci) config.aci = { ...at.aci, username: e.ACI_USERNAME!, password: e.ACI_PASSWORD! };
  if (at.smtp)
    config.smtp = {
      ...at.smtp,
      ...(e.SMTP_USER ? { user: e.SMTP_USER, password: e.SMTP_PASSWORD! } : {}),
      from: e.SMTP_FROM!,
    };
  return config;
}

/** Where each configured end system is and how it is trusted, without any credential. */
export interface EndSystemLocations {
  awx?: HttpSystemConfig & { apiPrefix: string };
  tfe?: HttpSystemConfig;
  vcenter?: HttpSystemConfig;
  aci?: HttpSystemConfig;
  smtp?: Pick<SmtpConfig, 'host' | 'port' | 'secure' | 'tls'>;
}

function locate(e: z.output<typeof locationSchema>): EndSystemLocations {
  const tls = (caFile: string | undefined, insecure: boolean): TlsConfig => ({
    ...((caFile ?? e.END_SYSTEMS_CA_FILE) ? { caFile: caFile ?? e.END_SYSTEMS_CA_FILE } : {}),
    insecure: insecure || e.END_SYSTEMS_TLS_INSECURE,
  });
  const timeoutMs = e.END_SYSTEMS_HTTP_TIMEOUT_MS;
  const at: EndSystemLocations = {};
  if (e.AWX_URL)
    at.awx = {
      url: e.AWX_URL,
      apiPrefix: e.AWX_API_PREFIX.replace(/\/+$/, ''),
      tls: tls(e.AWX_CA_FILE, e.AWX_TLS_INSECURE),
      timeoutMs,
    };
  if (e.TFE_URL) at.tfe = { url: e.TFE_URL, tls: tls(e.TFE_CA_FILE, e.TFE_TLS_INSECURE), timeoutMs };
  if (e.VCENTER_URL)
    at.vcenter = { url: e.VCENTER_URL, tls: tls(e.VCENTER_CA_FILE, e.VCENTER_TLS_INSECURE), timeoutMs };
  if (e.ACI_URL) at.aci = { url: e.ACI_URL, tls: tls(e.ACI_CA_FILE, e.ACI_TLS_INSECURE), timeoutMs };
  if (e.SMTP_HOST)
    at.smtp = {
      host: e.SMTP_HOST,
      port: e.SMTP_PORT ?? (e.SMTP_SECURE ? 465 : 587),
      secure: e.SMTP_SECURE,
      tls: tls(e.SMTP_CA_FILE, e.SMTP_TLS_INSECURE),
    };
  return at;
}

/**
 * Where the end systems are, for a process that must not hold their credentials (the API, which
 * probes them for `GET /v1/system/status`): the URL and TLS variables only, the secrets file unread.
 */
export function loadEndSystemLocations(env: NodeJS.ProcessEnv = process.env): EndSystemLocations {
  return locate(parseConfig(locationSchema, env));
}
