import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { loadApiConfig } from '../../../platform/config';
import {
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parseEncryptionKeys,
  payloadDataConverter,
} from '../../../platform/payload-codec';

const newKey = () => randomBytes(32).toString('base64');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const input = { resources: [{ type: 'virtual_machine', name: 'web-secret-name-01', cpu: 2 }] };

describe('payload encryption codec', () => {
  const k1 = newKey();
  const k2 = newKey();
  const plain: Payload[] = [
    defaultPayloadConverter.toPayload(input)!,
    defaultPayloadConverter.toPayload(null)!,
  ];

  it('seals every payload with the first key, naming it, and opens it again', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(`k1:${k1}`));
    const sealed = await codec.encode(plain);
    assert.equal(sealed.length, 2);
    for (const p of sealed) {
      assert.equal(text(p.metadata?.encoding), ENCRYPTED_ENCODING);
      assert.equal(text(p.metadata?.[KEY_ID_METADATA]), 'k1');
      assert.ok(!text(p.data).includes('web-secret-name-01'));
    }
    const opened = await codec.decode(sealed);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened[0]!), input);
    assert.equal(defaultPayloadConverter.fromPayload(opened[1]!), null);
  });

  it('seals the same payload differently each time (a fresh IV)', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(`k1:${k1}`));
    const [a] = await codec.encode(plain.slice(0, 1));
    const [b] = await codec.encode(plain.slice(0, 1));
    assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
  });

  it('rotates: a new current key seals, payloads of the old key still open, unencrypted ones pass', async () => {
    const before = new EncryptionCodec(parseEncryptionKeys(`k1:${k1}`));
    const after = new EncryptionCodec(parseEncryptionKeys(`k2:${k2},k1:${k1}`));
    assert.equal(after.currentKeyId, 'k2');
    const old = await before.encode(plain.slice(0, 1));
    const fresh = await after.encode(plain.slice(0, 1));
    assert.equal(text(fresh[0]!.metadata?.[KEY_ID_METADATA]), 'k2');
    const opened = await after.decode([...old, ...fresh, plain[0]!]);
    for (const p of opened) assert.deepEqual(defaultPayloadConverter.fromPayload(p), input);
    await assert.rejects(before.decode(fresh), /key "k2", which is not configured/);
  });

  const tamperings: [string, (p: Payload) => Payload][] = [
    ['a flipped ciphertext byte', (p) => ({ ...p, data: flip(p.data!, 20) })],
    ['a flipped authentication tag byte', (p) => ({ ...p, data: flip(p.data!, p.data!.length - 1) })],
    ['a flipped IV byte', (p) => ({ ...p, data: flip(p.data!, 0) })],
    ['a truncated payload', (p) => ({ ...p, data: p.data!.subarray(0, 10) })],
  ];
  for (const [what, tamper] of tamperings) {
    it(`refuses ${what}`, async () => {
      const codec = new EncryptionCodec(parseEncryptionKeys(`k1:${k1}`));
      const [sealed] = await codec.encode(plain.slice(0, 1));
      await assert.rejects(codec.decode([tamper(sealed!)]), /failed authentication|too short/);
    });
  }

  it('refuses a payload relabelled with another configured key id', async () => {
    const k2Copy = parseEncryptionKeys(`k2:${k1},k1:${k1}`); // same key bytes, other id
    const codec = new EncryptionCodec(k2Copy);
    const [sealed] = await codec.encode(plain.slice(0, 1));
    const relabelled = {
      ...sealed!,
      metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k1') },
    };
    await assert.rejects(codec.decode([relabelled]), /failed authentication/);
  });

  it('is off without keys', () => {
    assert.deepEqual(parseEncryptionKeys(undefined), []);
    assert.deepEqual(parseEncryptionKeys(' '), []);
    assert.equal(payloadDataConverter([]), undefined);
    assert.ok(
      payloadDataConverter(parseEncryptionKeys(`k1:${k1}`))?.payloadCodecs[0] instanceof EncryptionCodec,
    );
  });

  const bad: [string, string, RegExp][] = [
    ['no id', k1, /pair 1 must be id:base64key/],
    ['a short key', `k1:${randomBytes(16).toString('base64')}`, /pair 1 \(k1\): the key must be 32 bytes/],
    ['a key that is not base64', `k1:${'!'.repeat(44)}`, /pair 1 \(k1\)/],
    ['an id given twice', `k1:${k1},k1:${k2}`, /k1 is given twice/],
    ['a bad second pair', `k1:${k1},bad id:${k2}`, /pair 2 must be/],
  ];
  for (const [what, value, error] of bad) {
    it(`refuses ${what}, without quoting the key`, () => {
      assert.throws(
        () => parseEncryptionKeys(value),
        (err: Error) => {
          assert.match(err.message, error);
          for (const key of [k1, k2]) assert.ok(!err.message.includes(key), 'the key is not in the message');
          return true;
        },
      );
      assert.throws(
        () => loadApiConfig({ DATABASE_URL: 'postgres://x/y', PAYLOAD_ENCRYPTION_KEYS: value }),
        /PAYLOAD_ENCRYPTION_KEYS/,
      );
    });
  }
});

function flip(data: Uint8Array, at: number): Uint8Array {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}
