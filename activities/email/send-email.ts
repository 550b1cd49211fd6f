/**
 * `email:send-email`: one message through the configured SMTP server (nodemailer). The Message-ID
 * is derived from the step's idempotency key, so a retry after a lost answer sends the same
 * message id and mail systems that de-duplicate can drop the copy. SMTP's own classes map to the
 * taxonomy: 4xx and connection trouble are retried, 5xx rejections are not, refused credentials
 * are Unauthorized.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { failure } from '../../common/errors';
import { scrubSecrets } from '../http';
import { defineTask, type TaskContext } from '../task';
import type { EmailDeps } from './deps';

const address = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'an e-mail address');

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

function smtpFailure(err: SmtpError) {
  const details = {
    system: 'smtp',
    call: 'email:send-email',
    ...(err.responseCode ? { httpStatus: err.responseCode } : {}),
    ...(err.code ? { upstreamCode: err.code } : {}),
    upstreamMessage: scrubSecrets(err.response ?? err.message),
  };
  const message = `smtp: ${details.upstreamMessage}`;
  if (err.code === 'EAUTH') return failure('Unauthorized', message, details);
  if (err.responseCode !== undefined)
    return failure(err.responseCode >= 500 ? 'InvalidInput' : 'UpstreamUnavailable', message, details);
  if (err.code === 'EENVELOPE') return failure('InvalidInput', message, details);
  return failure('UpstreamUnavailable', message, details);
}

export const sendEmail = defineTask({
  id: 'email:send-email',
  description: 'Sends one e-mail through the configured SMTP server.',
  timeouts: 'short',
  input: z.object({
    to: z.array(address).min(1),
    cc: z.array(address).optional(),
    subject: z.string().min(1).max(998),
    text: z.string(),
    html: z.string().optional(),
  }),
  output: z.object({ messageId: z.string(), accepted: z.array(z.string()), rejected: z.array(z.string()) }),
  examples: [
    { to: ['requester@example.com'], subject: 'Your VM web-01 is ready', text: 'It is on INTRANET_DEV.' },
  ],
  async handler(input, ctx: TaskContext<EmailDeps>) {
    const messageId = `<${createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 32)}@orchestrator>`;
    try {
      const info = await ctx.deps.transport.sendMail({
        from: ctx.deps.from,
        to: input.to,
        ...(input.cc ? { cc: input.cc } : {}),
        // A credential shape that reached a notice through an upstream's words goes no further.
        subject: scrubSecrets(input.subject),
        text: scrubSecrets(input.text),
        ...(input.html ? { html: scrubSecrets(input.html) } : {}),
        messageId,
      });
      const asStrings = (list: unknown[] | undefined) =>
        (list ?? []).map((a) => (typeof a === 'string' ? a : (a as { address: string }).address));
      return { messageId, accepted: asStrings(info.accepted), rejected: asStrings(info.rejected) };
    } catch (err) {
      throw smtpFailure(err as SmtpError);
    }
  },
});
