/**
 * End-system configuration: parsed from env or a secrets file, refused with the variable named
 * when wrong, and never printing a credential (logs, JSON, inspect, error messages).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { loadEndSystemsConfig, Secret } from '../../platform/end-systems';
import { tempDir } from './fixtures';

const AWX_TOKEN = 'awx-token-5c1e2f0b';
const VC_PASSWORD = 'vc-pass-9d8e7f6a';

describe('end-system configuration', () => {
  const tmp = tempDir('end-systems-');
  after(() => tmp.remove());

  it('an empty environment configures nothing: every system is simulated', () => {
    assert.deepEqual(loadEndSystemsConfig({}), {});
  });

  it('reads a full system from env, with per-system TLS over the global one', () => {
    const config = loadEndSystemsConfig({
      AWX_URL: 'https://awx.example.com/',
      AWX_TOKEN,
      END_SYSTEMS_CA_FILE: '/etc/ssl/corp-ca.pem',
      VCENTER_URL: 'https://vc.example.com',
      VCENTER_USERNAME: 'svc-orchestrator@vsphere.local',
      VCENTER_PASSWORD: VC_PASSWORD,
      VCENTER_TLS_INSECURE: 'true',
      VCENTER_CA_FILE: '/etc/ssl/lab-ca.pem',
      VCENTER_API_STYLE: 'rest',
    });
    assert.equal(config.awx?.url, 'https://awx.example.com');
    assert.equal(config.awx?.apiPrefix, '/api/v2');
    assert.equal(config.awx?.token.reveal(), AWX_TOKEN);
    assert.deepEqual(config.awx?.tls, { caFile: '/etc/ssl/corp-ca.pem', insecure: false });
    assert.deepEqual(config.vcenter?.tls, { caFile: '/etc/ssl/lab-ca.pem', insecure: true });
    assert.equal(config.vcenter?.apiStyle, 'rest');
    assert.equal(config.tfe, undefined);
  });

  const refusals: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['a URL without its token', { AWX_URL: 'https://awx.example.com' }, /AWX_TOKEN: required when AWX_URL/],
    [
      'TFE without an organization',
      { TFE_URL: 'https://tfe.example.com', TFE_TOKEN: 't' },
      /TFE_ORGANIZATION/,
    ],
    ['a malformed URL', { ACI_URL: 'apic', ACI_USERNAME: 'u', ACI_PASSWORD: 'p' }, /ACI_URL/],
    [
      'an SMTP user without a password',
      { SMTP_HOST: 'mail', SMTP_FROM: 'a@b.c', SMTP_USER: 'u' },
      /SMTP_PASSWORD/,
    ],
    ['a bad flag', { END_SYSTEMS_TLS_INSECURE: 'maybe' }, /END_SYSTEMS_TLS_INSECURE/],
  ];
  for (const [what, env, problem] of refusals) {
    it(`refuses ${what}, naming the variable`, () => {
      assert.throws(() => loadEndSystemsConfig(env), problem);
    });
  }

  it('takes secrets from the secrets file', () => {
    const file = path.join(tmp.dir, 'secrets.json');
    fs.writeFileSync(file, JSON.stringify({ AWX_TOKEN, VCENTER_PASSWORD: VC_PASSWORD }));
    const config = loadEndSystemsConfig({
      END_SYSTEMS_SECRETS_FILE: file,
      AWX_URL: 'https://awx.example.com',
      VCENTER_URL: 'https://vc.example.com',
      VCENTER_USERNAME: 'svc',
    });
    assert.equal(config.awx?.token.reveal(), AWX_TOKEN);
    assert.equal(config.vcenter?.password.reveal(), VC_PASSWORD);
  });

  it('refuses a secret set in both places, and non-secret keys in the file, without quoting values', () => {
    const both = path.join(tmp.dir, 'both.json');
    fs.writeFileSync(both, JSON.stringify({ AWX_TOKEN }));
    assert.throws(
      () =>
        loadEndSystemsConfig({ END_SYSTEMS_SECRETS_FILE: both, AWX_URL: 'https://a.b', AWX_TOKEN: 'other' }),
      (err: Error) => /AWX_TOKEN: set both/.test(err.message) && !err.message.includes(AWX_TOKEN),
    );
    const stray = path.join(tmp.dir, 'stray.json');
    fs.writeFileSync(stray, JSON.stringify({ AWX_URL: 'https://a.b', AWX_TOKEN }));
    assert.throws(
      () => loadEndSystemsConfig({ END_SYSTEMS_SECRETS_FILE: stray }),
      (err: Error) => /AWX_URL/.test(err.message) && !err.message.includes(AWX_TOKEN),
    );
    const broken = path.join(tmp.dir, 'broken.json');
    fs.writeFileSync(broken, `{"AWX_TOKEN": "${AWX_TOKEN}"`);
    assert.throws(
      () => loadEndSystemsConfig({ END_SYSTEMS_SECRETS_FILE: broken }),
      (err: Error) => /cannot read/.test(err.message) && !err.message.includes(AWX_TOKEN),
    );
  });

  it('never prints a credential: String, JSON, inspect of the whole config', () => {
    const config = loadEndSystemsConfig({
      AWX_URL: 'https://awx.example.com',
      AWX_TOKEN,
      VCENTER_URL: 'https://vc.example.com',
      VCENTER_USERNAME: 'svc',
      VCENTER_PASSWORD: VC_PASSWORD,
    });
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), `${config.awx?.token}`]) {
      assert.ok(!text.includes(AWX_TOKEN) && !text.includes(VC_PASSWORD), text);
    }
    assert.equal(String(new Secret('x')), '[redacted]');
  });
});
