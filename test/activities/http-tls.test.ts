/**
 * TLS trust per end system: a self-signed lab certificate is refused (a non-retryable
 * Misconfigured failure telling the operator what to set), trusted through the system's CA file,
 * or accepted with the lab-only insecure flag.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { HttpClient } from '../../activities/http';
import { parseAwxError } from '../../activities/awx/client';
import { freePort } from '../../platform/net';
import { expectFailure, tempDir } from './fixtures';

describe('HTTP layer: TLS trust', function () {
  let server: https.Server | undefined;
  let base = '';
  let certFile = '';
  const tmp = tempDir('tls-test-');

  before(async function () {
    const keyFile = path.join(tmp.dir, 'key.pem');
    certFile = path.join(tmp.dir, 'cert.pem');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          keyFile,
          '-out',
          certFile,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
    } catch {
      this.skip(); // no openssl on this machine: nothing to make a certificate with
    }
    server = https.createServer(
      { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },
      (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      },
    );
    const port = await freePort();
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', () => resolve()));
    base = `https://127.0.0.1:${port}`;
  });

  after(async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    tmp.remove();
  });

  const client = (tls: { caFile?: string; insecure?: boolean }) =>
    new HttpClient({ system: 'vcenter', baseUrl: base, timeoutMs: 2_000, tls, parseError: parseAwxError });

  it('refuses an untrusted certificate as Misconfigured, not retried', async () => {
    await expectFailure(client({}).request({ call: 'listVms', method: 'GET', path: '/api/vcenter/vm' }), {
      type: 'Misconfigured',
      message: ['CA file', 'insecure'],
    });
  });

  it('trusts the certificate through the CA file', async () => {
    const res = await client({ caFile: certFile }).request({
      call: 'listVms',
      method: 'GET',
      path: '/api/vcenter/vm',
    });
    assert.deepEqual(res.body, { ok: true });
  });

  it('accepts any certificate with the insecure flag (labs)', async () => {
    const res = await client({ insecure: true }).request({
      call: 'listVms',
      method: 'GET',
      path: '/api/vcenter/vm',
    });
    assert.equal(res.status, 200);
  });
});
