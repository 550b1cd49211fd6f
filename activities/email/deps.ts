/** What the email task receives as `ctx.deps`: one nodemailer transport to the configured SMTP server. */
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpConfig } from '../../platform/end-systems';

/** The email task's dependencies. */
export interface EmailDeps {
  transport: Transporter;
  /** The sender address (SMTP_FROM). */
  from: string;
}

/** Builds the email deps; the SMTP password stays inside the transport. */
export function createEmailDeps(config: SmtpConfig): EmailDeps {
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    pool: true,
    ...(config.user && config.password
      ? { auth: { user: config.user, pass: config.password.reveal() } }
      : {}),
    tls: {
      rejectUnauthorized: !config.tls.insecure,
      ...(config.tls.caFile ? { ca: readFileSync(config.tls.caFile) } : {}),
    },
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return { transport, from: config.from };
}
