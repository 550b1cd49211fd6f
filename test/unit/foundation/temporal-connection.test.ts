import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTemporalConfig, temporalAt } from '../../../platform/temporal/connection';

describe('the Temporal connection, configured as the SDKs standardise it', () => {
  let dir: string;
  let file: string;
  const cert = () => path.join(dir, 'client.pem');
  const key = () => path.join(dir, 'client.key');
  const ca = () => path.join(dir, 'ca.pem');
  // No profile file of the machine running the tests may leak into a case.
  const none = () => path.join(dir, 'absent-home');

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'oo-temporal-config-'));
    writeFileSync(cert(), 'CLIENT CERT');
    writeFileSync(key(), 'CLIENT KEY');
    writeFileSync(ca(), 'CA CERT');
    file = path.join(dir, 'temporal.toml');
    writeFileSync(
      file,
      [
        '[profile.default]',
        'address = "my-ns.a1b2c.tmprl.cloud:7233"',
        'namespace = "my-ns.a1b2c"',
        'api_key = "cloud-key-123"',
        '',
        '[profile.selfhosted]',
        'address = "temporal.internal:7233"',
        'namespace = "orchestrator"',
        '[profile.selfhosted.tls]',
        `client_cert_path = "${cert()}"`,
        `client_key_path = "${key()}"`,
        `server_ca_cert_path = "${ca()}"`,
        'server_name = "temporal.internal"',
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to the local dev server when nothing is set', () => {
    const c = loadTemporalConfig({ HOME: none() });
    assert.equal(c.address, '127.0.0.1:7233');
    assert.equal(c.namespace, 'default');
    assert.equal(c.configured, false);
    assert.deepEqual(c.summary, {
      address: '127.0.0.1:7233',
      namespace: 'default',
      profile: null,
      file: null,
      tls: 'off',
      apiKey: false,
    });
  });

  it('takes TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY; an API key brings TLS', () => {
    const c = loadTemporalConfig({
      HOME: none(),
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'orchestrator.a1b2c',
      TEMPORAL_API_KEY: 'key-from-env',
    });
    assert.equal(c.configured, true);
    assert.equal(c.connection.address, 'eu-west-1.aws.api.temporal.io:7233');
    assert.equal(c.connection.apiKey, 'key-from-env');
    assert.equal(c.connection.tls, true);
    assert.equal(c.summary.tls, 'on');
    assert.equal(c.summary.apiKey, true);
    assert.ok(!JSON.stringify(c.summary).includes('key-from-env'), 'the key is never in the summary');
  });

  it("reads a profile file's default profile (Temporal Cloud with an API key)", () => {
    const c = loadTemporalConfig({ HOME: none(), TEMPORAL_CONFIG_FILE: file });
    assert.equal(c.address, 'my-ns.a1b2c.tmprl.cloud:7233');
    assert.equal(c.namespace, 'my-ns.a1b2c');
    assert.equal(c.connection.apiKey, 'cloud-key-123');
    assert.deepEqual({ profile: c.summary.profile, file: c.summary.file }, { profile: 'default', file });
  });

  it('reads a named profile with mTLS client certificates, and the environment overrides it', () => {
    const c = loadTemporalConfig({
      HOME: none(),
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'selfhosted',
      TEMPORAL_NAMESPACE: 'orchestrator-staging',
    });
    assert.equal(c.address, 'temporal.internal:7233');
    assert.equal(c.namespace, 'orchestrator-staging');
    assert.equal(c.summary.tls, 'mutual');
    assert.equal(c.summary.profile, 'selfhosted');
    const tls = c.connection.tls as {
      serverNameOverride?: string;
      serverRootCACertificate?: Buffer;
      clientCertPair?: { crt: Buffer; key: Buffer };
    };
    assert.equal(tls.serverNameOverride, 'temporal.internal');
    assert.equal(Buffer.from(tls.serverRootCACertificate!).toString(), 'CA CERT');
    assert.equal(Buffer.from(tls.clientCertPair!.crt).toString(), 'CLIENT CERT');
    assert.equal(Buffer.from(tls.clientCertPair!.key).toString(), 'CLIENT KEY');
    assert.equal(c.connection.apiKey, undefined);
  });

  it('takes client certificates from TEMPORAL_TLS_* variables alone', () => {
    const c = loadTemporalConfig({
      HOME: none(),
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert(),
      TEMPORAL_TLS_CLIENT_KEY_PATH: key(),
    });
    assert.equal(c.summary.tls, 'mutual');
  });

  const refused: [string, () => NodeJS.ProcessEnv, RegExp][] = [
    [
      'a profile file that is not there',
      () => ({ TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml') }),
      /TEMPORAL_CONFIG_FILE: no file .*missing\.toml/,
    ],
    [
      'a profile the file does not have',
      () => ({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }),
      /TEMPORAL_PROFILE staging.*Profile 'staging' not found/,
    ],
    [
      'a key the SDK does not know (a typo)',
      () => {
        const typo = path.join(dir, 'typo.toml');
        writeFileSync(typo, '[profile.default]\nadress = "x:7233"\n');
        return { TEMPORAL_CONFIG_FILE: typo };
      },
      /unrecognized in profile\.default: adress/,
    ],
    [
      'a client certificate that cannot be read',
      () => ({
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'nope.pem'),
        TEMPORAL_TLS_CLIENT_KEY_PATH: key(),
      }),
      /TLS: .*nope\.pem/,
    ],
  ];
  for (const [name, env, message] of refused)
    it(`refuses ${name}, naming it`, () =>
      assert.throws(() => loadTemporalConfig({ HOME: none(), ...env() }), message));

  it('connects to a server it was handed without reading any profile file', () => {
    const before = process.env.TEMPORAL_CONFIG_FILE;
    process.env.TEMPORAL_CONFIG_FILE = file;
    try {
      const c = temporalAt('127.0.0.1:17233', 'tests');
      assert.deepEqual(
        [c.address, c.namespace, c.connection.apiKey, c.summary.tls],
        ['127.0.0.1:17233', 'tests', undefined, 'off'],
      );
    } finally {
      if (before === undefined) delete process.env.TEMPORAL_CONFIG_FILE;
      else process.env.TEMPORAL_CONFIG_FILE = before;
    }
  });
});
