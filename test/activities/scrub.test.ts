/** Credential scrubbing: known secrets in every encoding, and credential shapes whose value is unknown. */
import assert from 'node:assert/strict';
import { scrubSecrets, truncate } from '../../activities/http';

describe('credential scrubbing', () => {
  const secret = 'p@ss/w0rd+secret';
  const cases: [string, string, string[]][] = [
    ['a known secret verbatim', `login failed for ${secret}`, [secret]],
    ['a known secret URL-encoded', `?pwd=${encodeURIComponent(secret)}`, [encodeURIComponent(secret)]],
    [
      'a known secret in Basic encoding',
      `Basic ${Buffer.from(secret).toString('base64')}`,
      [Buffer.from(secret).toString('base64')],
    ],
    ['a bearer token', 'Authorization: Bearer abcdefgh12345678', ['abcdefgh12345678']],
    [
      'a JSON password field',
      '{"aaaUser":{"attributes":{"name":"admin","pwd":"hunter2hunter2"}}}',
      ['hunter2hunter2'],
    ],
    ['an APIC cookie', 'Cookie: APIC-cookie=eyJhbGciOiJSUzI1NiJ9.xyz', ['eyJhbGciOiJSUzI1NiJ9']],
    [
      'a vCenter session header',
      'vmware-api-session-id: b00db39f948d13ea1e59b4d6fce56389',
      ['b00db39f948d13ea1e59b4d6fce56389'],
    ],
    [
      'a TFE archivist URL',
      'PUT https://archivist.terraform.io/v1/object/dmF1bHQ6djE6secretpath',
      ['dmF1bHQ6djE6secretpath'],
    ],
    [
      'an archivist path',
      'https://tfe.example.com/_archivist/v1/object/dmF1bHQ6c2VjcmV0',
      ['dmF1bHQ6c2VjcmV0'],
    ],
  ];
  for (const [what, text, gone] of cases) {
    it(`removes ${what}`, () => {
      const out = scrubSecrets(text, [secret]);
      for (const g of gone) assert.ok(!out.includes(g), `${out} still holds ${g}`);
      if (gone.length) assert.match(out, /\[redacted\]/);
    });
  }

  it('leaves ordinary upstream messages alone', () => {
    const text = "Virtual machine with identifier 'vm-99' does not exist.";
    assert.equal(scrubSecrets(text, [secret]), text);
  });

  it('keeps failures short', () => {
    assert.match(truncate('x'.repeat(5000), 100), /^x{100}… \(4900 more characters\)$/);
  });
});
