/**
 * email:send-email through the SMTP sink (the message arrives as sent, with a Message-ID stable
 * across retries of the step) and against small SMTP servers that refuse: a permanent 5xx is not
 * retried, a temporary 4xx and an unreachable server are, refused credentials are Unauthorized.
 */
import assert from 'node:assert/strict';
import { SMTPServer } from 'smtp-server';
import { createEmailDeps, emailSystem, type EmailDeps } from '../../activities/email';
import { Secret } from '../../platform/end-systems';
import { freePort } from '../../platform/net';
import { configFor, expectFailure, runTask } from './fixtures';
import { startActivityLab, type ActivityLab } from './lab';

const sendEmail = emailSystem.tasks.find((t) => t.id === 'email:send-email')!;
const message = {
  to: ['jane@example.com'],
  subject: 'Your VM web-01 is ready',
  text: 'It runs on INTRANET_DEV.',
};

async function refusingServer(opts: {
  rcpt?: [number, string];
  auth?: boolean;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(_auth, _session, callback) {
      callback(new Error('Invalid username or password'));
    },
    onRcptTo(_address, _session, callback) {
      if (!opts.rcpt) return callback();
      const err = new Error(opts.rcpt[1]) as Error & { responseCode: number };
      err.responseCode = opts.rcpt[0];
      callback(err);
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('email task', function () {
  this.timeout(30_000);
  let lab: ActivityLab;
  let deps: EmailDeps;

  before(async () => {
    lab = await startActivityLab([]);
    deps = createEmailDeps(configFor.smtp(lab.sims.smtp.host, lab.sims.smtp.port));
  });
  after(async () => {
    deps.transport.close();
    await lab.stop();
  });

  it('delivers the message as sent, with a Message-ID that stays the same on a retry of the step', async () => {
    const ids = { workflowId: 'trace/req-1', activityId: '4' };
    const first = await runTask(sendEmail, deps, message, ids);
    const retry = await runTask(sendEmail, deps, message, { ...ids, attempt: 2 });
    assert.equal(retry.messageId, first.messageId);
    assert.deepEqual(first.accepted, ['jane@example.com']);
    const mail = await lab.sims.mailbox.waitFor((m) => m.messageId === first.messageId);
    assert.equal(mail.subject, message.subject);
    assert.match(mail.text, /INTRANET_DEV/);
    assert.equal(mail.from, 'orchestrator@example.com');
  });

  it('a bad address fails before any SMTP exchange, naming the field', async () => {
    await expectFailure(runTask(sendEmail, deps, { ...message, to: ['not an address'] }), {
      type: 'InvalidInput',
      message: ['input.to.0'],
    });
  });

  const refusals: [string, [number, string], 'InvalidInput' | 'UpstreamUnavailable'][] = [
    ['a permanent refusal (550) is not retried', [550, 'Mailbox unavailable'], 'InvalidInput'],
    ['a temporary refusal (451) is retried', [451, 'Try again later'], 'UpstreamUnavailable'],
  ];
  for (const [what, rcpt, type] of refusals) {
    it(what, async () => {
      const server = await refusingServer({ rcpt });
      const refusing = createEmailDeps(configFor.smtp('127.0.0.1', server.port));
      await expectFailure(runTask(sendEmail, refusing, message), { type, message: [rcpt[1]] });
      refusing.transport.close();
      await server.close();
    });
  }

  it('refused credentials are Unauthorized, without the password', async () => {
    const server = await refusingServer({ auth: true });
    const refusing = createEmailDeps({
      ...configFor.smtp('127.0.0.1', server.port),
      user: 'mailer',
      password: new Secret('smtp-pass-8080'),
    });
    await expectFailure(runTask(sendEmail, refusing, message), {
      type: 'Unauthorized',
      absent: ['smtp-pass-8080'],
    });
    refusing.transport.close();
    await server.close();
  });

  it('an unreachable server is retried', async () => {
    const nowhere = createEmailDeps(configFor.smtp('127.0.0.1', await freePort()));
    await expectFailure(runTask(sendEmail, nowhere, message), { type: 'UpstreamUnavailable' });
    nowhere.transport.close();
  });
});
