/** The SMTP sink receives what nodemailer sends and shows it over the admin API, also after a restart. */
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startLab, type Lab } from './common/fixture';
import type { ReceivedMail } from '../../simulators/smtp';

describe('SMTP sink', () => {
  let lab: Lab;
  const send = (subject: string, to: string, auth?: { user: string; pass: string }) =>
    nodemailer
      .createTransport({
        host: lab.sims.smtp.host,
        port: lab.sims.smtp.port,
        secure: false,
        ignoreTLS: true,
        auth,
      })
      .sendMail({
        from: 'orchestrator@lab.local',
        to,
        subject,
        text: `body of ${subject}`,
        html: `<p>${subject}</p>`,
      });

  beforeEach(async () => {
    lab = await startLab({ systems: [] });
  });
  afterEach(async () => {
    await lab.dispose();
  });

  it('stores a message with envelope, headers, text and html, readable from the admin API', async () => {
    await send('Request REQ-1 accepted', 'alice@lab.local');
    const mails = await lab.admin<ReceivedMail[]>('/mail');
    assert.equal(mails.body.length, 1);
    const mail = mails.body[0]!;
    assert.equal(mail.subject, 'Request REQ-1 accepted');
    assert.equal(mail.from, 'orchestrator@lab.local');
    assert.deepEqual(mail.to, ['alice@lab.local']);
    assert.deepEqual(mail.envelope, { from: 'orchestrator@lab.local', to: ['alice@lab.local'] });
    assert.equal(mail.text.trim(), 'body of Request REQ-1 accepted');
    assert.match(mail.html ?? '', /<p>Request REQ-1 accepted<\/p>/);
    assert.deepEqual((await lab.admin<ReceivedMail>(`/mail/${mail.id}`)).body, mail);
    assert.equal((await lab.admin('/mail/mail-999999')).status, 404);
  });

  it('accepts authenticated senders too, filters by recipient and subject, and clears', async () => {
    await send('one', 'bob@lab.local', { user: 'u', pass: 'p' });
    await send('two', 'carol@lab.local');
    assert.deepEqual(
      (await lab.admin<ReceivedMail[]>('/mail?to=carol')).body.map((m) => m.subject),
      ['two'],
    );
    assert.deepEqual(
      (await lab.admin<ReceivedMail[]>('/mail?subject=one')).body.map((m) => m.to),
      [['bob@lab.local']],
    );
    assert.equal((await lab.admin('/mail', { method: 'DELETE' })).status, 204);
    assert.deepEqual((await lab.admin('/mail')).body, []);
  });

  it('lets in-process tests wait for a message, and keeps messages across a restart', async () => {
    const waiting = lab.sims.mailbox.waitFor((m) => m.subject === 'ready');
    await send('ready', 'dave@lab.local');
    assert.equal((await waiting).to[0], 'dave@lab.local');
    await lab.stop();
    lab = await startLab({ systems: [], dataDir: lab.dataDir });
    assert.deepEqual(
      (await lab.admin<ReceivedMail[]>('/mail')).body.map((m) => m.subject),
      ['ready'],
    );
    await send('after restart', 'dave@lab.local');
    const ids = (await lab.admin<ReceivedMail[]>('/mail')).body.map((m) => m.id);
    assert.equal(new Set(ids).size, 2);
  });
});
