/**
 * A configuration version's upload URL is a credential (its path holds the secret) and TFE shows
 * it only once, in the create answer; yet creating and uploading are two steps. The URL is
 * therefore sealed (AES-256-GCM, key derived from the worker's TFE token) before it enters
 * workflow history: any worker with the same configuration can open it, history readers cannot.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'sealed:v1:';

function key(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'orchestrator-of-orchestrators', 'tfe upload-url', 32));
}

/** Seals `text` with a key derived from `secret`. */
export function seal(text: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(secret), iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a sealed text; undefined when it was sealed under another key (a rotated token) or altered. */
export function unseal(sealed: string, secret: string): string | undefined {
  if (!sealed.startsWith(PREFIX)) return undefined;
  const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
  if (raw.length < 29) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
