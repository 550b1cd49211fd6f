/**
 * The SMTP sink: accepts any message (any or no authentication, no TLS), parses it with
 * mailparser and files it in the mailbox. It stands in for a real relay when no SMTP settings
 * are given, and lets tests read what the system sent.
 */
import type { AddressInfo } from 'node:net';
import express, { type Router } from 'express';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Logger } from 'pino';
import type { Mailbox } from './mailbox';

/** A running SMTP sink. */
export interface RunningSmtpSink {
  host: string;
  port: number;
  stop(): Promise<void>;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '').filter(Boolean));
}

/** Starts the sink on `host:port` (port 0 = a free port). */
export function startSmtpSink(options: {
  mailbox: Mailbox;
  host?: string;
  port?: number;
  log?: Logger;
}): Promise<RunningSmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    hideSTARTTLS: true,
    logger: false,
    size: 25 * 1024 * 1024,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'sink' });
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          options.mailbox.add({
            receivedAt: new Date().toISOString(),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            from: addresses(parsed.from)[0] ?? '',
            to: addresses(parsed.to),
            cc: addresses(parsed.cc),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : null,
            messageId: parsed.messageId ?? null,
            headers: Object.fromEntries(
              [...parsed.headerLines].map((h) => [h.key, h.line.slice(h.line.indexOf(':') + 1).trim()]),
            ),
            attachments: parsed.attachments.map((a) => ({
              filename: a.filename ?? null,
              contentType: a.contentType,
              size: a.size,
            })),
          });
          callback();
        })
        .catch((err: Error) => {
          options.log?.warn({ err }, 'smtp sink could not parse a message');
          callback(err);
        });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      server.on('error', (err) => options.log?.warn({ err }, 'smtp sink error'));
      const { port } = server.server.address() as AddressInfo;
      resolve({ host, port, stop: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

/** Admin routes under `/_sim/mail`: list (filters `to`, `subject`), read one, delete all. */
export function mailRouter(mailbox: Mailbox): Router {
  const router = express.Router();
  router.get('/mail', (req, res) => {
    res.json(
      mailbox.list({
        to: typeof req.query.to === 'string' ? req.query.to : undefined,
        subject: typeof req.query.subject === 'string' ? req.query.subject : undefined,
      }),
    );
  });
  router.get('/mail/:id', (req, res) => {
    const mail = mailbox.get(req.params.id);
    if (mail) res.json(mail);
    else res.status(404).json({ error: `no mail ${req.params.id}` });
  });
  router.delete('/mail', (_req, res) => {
    mailbox.clear();
    res.status(204).end();
  });
  return router;
}
