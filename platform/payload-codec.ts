/**
 * Optional encryption of workflow payloads (inputs, results, signals, heartbeats, memos): a Temporal
 * `PayloadCodec` with AES-256-GCM, used by the worker and by every client (API, scripts, tests) so
 * Temporal's history holds only ciphertext. Each encrypted payload names the key that sealed it
 * (`encryption-key-id` in its metadata), so keys rotate by adding one in front: new payloads use
 * the first key, older ones still open with theirs. Without keys nothing is encrypted, and
 * payloads written before encryption was turned on stay readable.
 *
 * Keys come from `PAYLOAD_ENCRYPTION_KEYS`: `id:base64key` pairs separated by commas, the first the
 * current one, each key 32 random bytes (`openssl rand -base64 32`). The keys are never logged:
 * a bad value is refused naming the pair's position, not its text.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The `encoding` of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata key naming the key that sealed a payload. */
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** One named AES-256 key. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Parses `PAYLOAD_ENCRYPTION_KEYS` (`id:base64key,id:base64key`, first = current); empty or unset:
 * no keys. Throws naming the pair at fault by its position, never quoting it.
 */
export function parseEncryptionKeys(value: string | undefined): EncryptionKey[] {
  if (!value?.trim()) return [];
  const keys = value.split(',').map((pair, i) => {
    const at = `PAYLOAD_ENCRYPTION_KEYS: pair ${i + 1}`;
    const colon = pair.indexOf(':');
    const id = pair.slice(0, colon).trim();
    const encoded = pair.slice(colon + 1).trim();
    if (colon < 0 || !KEY_ID.test(id))
      throw new Error(`${at} must be id:base64key, the id of letters, digits, '.', '_' or '-'`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded))
      throw new Error(
        `${at} (${id}): the key must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`,
      );
    return { id, key };
  });
  const ids = keys.map((k) => k.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new Error(`PAYLOAD_ENCRYPTION_KEYS: the key id ${twice} is given twice`);
  return keys;
}

/** AES-256-GCM over whole payloads: the first key seals, any known key opens. */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: EncryptionKey;

  constructor(keys: readonly EncryptionKey[]) {
    if (!keys.length) throw new Error('an encryption codec needs at least one key');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** The ID of the key new payloads are sealed with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, this.current.key, iv);
      // The key ID is bound to the ciphertext: a payload relabelled with another key fails to open.
      cipher.setAAD(Buffer.from(this.current.id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: Buffer.from(this.current.id),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      // Written before encryption was on (or by a process without keys): left as it is.
      if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? Buffer.from(idBytes).toString() : '';
      const key = this.byId.get(id);
      if (!key) throw new Error(`payload sealed with encryption key "${id}", which is not configured`);
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`encrypted payload too short to open`);
      const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        throw new Error(`encrypted payload (key "${id}") failed authentication: altered or corrupt`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * The data converter of every Temporal client and worker of the project: the encryption codec
 * when keys are configured (`PAYLOAD_ENCRYPTION_KEYS`, parsed), Temporal's default otherwise.
 */
export function payloadDataConverter(
  keys: readonly EncryptionKey[] = parseEncryptionKeys(process.env.PAYLOAD_ENCRYPTION_KEYS),
): { payloadCodecs: PayloadCodec[] } | undefined {
  return keys.length ? { payloadCodecs: [new EncryptionCodec(keys)] } : undefined;
}
