/**
 * Messages the SMTP sink received, kept in memory and as one JSON file each under
 * `<dataDir>/mail/`, so tests (and people) can read what the system sent, also after a restart.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../world';

/** One received message, parsed. */
export interface ReceivedMail {
  id: string;
  receivedAt: string;
  /** SMTP envelope (what the client said in MAIL FROM / RCPT TO). */
  envelope: { from: string | null; to: string[] };
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string | null;
  messageId: string | null;
  headers: Record<string, string>;
  attachments: { filename: string | null; contentType: string; size: number }[];
}

/** The sink's mailbox. Emits `mail` with each new message. */
export class Mailbox extends EventEmitter {
  private readonly messages: ReceivedMail[] = [];
  private readonly dir: string;
  private next = 1;

  constructor(dataDir: string) {
    super();
    this.dir = path.join(dataDir, 'mail');
    fs.mkdirSync(this.dir, { recursive: true });
    for (const file of fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const mail = JSON.parse(fs.readFileSync(path.join(this.dir, file), 'utf8')) as ReceivedMail;
      this.messages.push(mail);
      this.next = Math.max(this.next, Number(mail.id.replace(/\D/g, '')) + 1);
    }
  }

  /** Stores a message and returns it with its id. */
  add(mail: Omit<ReceivedMail, 'id'>): ReceivedMail {
    const stored = { id: `mail-${String(this.next++).padStart(6, '0')}`, ...mail };
    writeJsonAtomic(path.join(this.dir, `${stored.id}.json`), stored);
    this.messages.push(stored);
    this.emit('mail', stored);
    return stored;
  }

  /** Messages, oldest first, optionally only those to an address or with a subject substring. */
  list(filter: { to?: string; subject?: string } = {}): ReceivedMail[] {
    return this.messages.filter(
      (m) =>
        (!filter.to ||
          [...m.to, ...m.cc, ...m.envelope.to].some((a) =>
            a.toLowerCase().includes(filter.to!.toLowerCase()),
          )) &&
        (!filter.subject || m.subject.includes(filter.subject)),
    );
  }

  /** One message by id. */
  get(id: string): ReceivedMail | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** Resolves with the first message (already here or arriving) that satisfies `predicate`. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
    const found = this.messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onMail = (mail: ReceivedMail) => {
        if (!predicate(mail)) return;
        clearTimeout(timer);
        this.off('mail', onMail);
        resolve(mail);
      };
      const timer = setTimeout(() => {
        this.off('mail', onMail);
        reject(new Error(`no matching mail within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('mail', onMail);
    });
  }

  /** Deletes every message (memory and disk). */
  clear(): void {
    this.messages.length = 0;
    for (const file of fs.readdirSync(this.dir)) fs.rmSync(path.join(this.dir, file), { force: true });
  }
}
