import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import {
  displayUrl,
  smtpGreeting,
  startEndSystemProber,
  vimApiVersion,
} from '../../../api/routes/system/end-systems';
import { waitFor } from '../../../platform/net';

const noTls = { insecure: false };

async function listen<T extends { listen(port: number, host: string, cb: () => void): unknown }>(
  server: T,
): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return ((server as unknown as Server).address() as AddressInfo).port;
}

describe('the end-system prober of the status page', () => {
  it('reads the versions the products report', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8" ?>
<namespaces version="1.0">
 <namespace>
  <name>urn:vim25</name>
  <version>8.0.2.0</version>
  <priorVersions><version>8.0.1.0</version></priorVersions>
 </namespace>
</namespaces>`;
    assert.equal(vimApiVersion(xml), '8.0.2.0');
    assert.equal(vimApiVersion('<html>not vcenter</html>'), null);
    assert.equal(smtpGreeting('220 mail.example.com ESMTP Postfix\r'), 'mail.example.com ESMTP Postfix');
    assert.equal(smtpGreeting('554 no service'), undefined);
    assert.equal(displayUrl('https://user:pw@awx.example.com:8443/'), 'https://awx.example.com:8443');
  });

  it('asks each system in the background, once per round whatever the readers, and says who does not answer', async () => {
    let pings = 0;
    const awx = createHttpServer((req, res) => {
      if (req.url === '/api/v2/ping/') pings += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ version: '24.6.1', ha: false }));
    });
    // A vCenter that never answers: shown unreachable once the probe's timeout passes.
    const silent = createHttpServer(() => undefined);
    const smtp = createTcpServer((socket) => {
      socket.write('220 sink.test ESMTP test\r\n');
      socket.on('data', () => socket.end('221 bye\r\n'));
    });
    const awxPort = await listen(awx);
    const silentPort = await listen(silent);
    const smtpPort = await listen(smtp);
    const closed = createTcpServer();
    const closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));

    const prober = startEndSystemProber(
      {
        awx: { url: `http://127.0.0.1:${awxPort}`, apiPrefix: '/api/v2', tls: noTls, timeoutMs: 30_000 },
        vcenter: { url: `http://127.0.0.1:${silentPort}`, tls: noTls, timeoutMs: 30_000 },
        aci: { url: `http://127.0.0.1:${closedPort}`, tls: noTls, timeoutMs: 30_000 },
        smtp: { host: '127.0.0.1', port: smtpPort, secure: false, tls: noTls },
      },
      { everyMs: 200, timeoutMs: 300 },
    );
    try {
      await prober.firstRound();
      const first = Object.fromEntries(prober.current().map((s) => [s.system, s]));
      assert.deepEqual(
        { ...first.awx, lastChecked: undefined, latencyMs: undefined },
        {
          system: 'awx',
          configured: true,
          url: `http://127.0.0.1:${awxPort}`,
          reachable: true,
          version: '24.6.1',
          lastChecked: undefined,
          latencyMs: undefined,
        },
      );
      assert.equal(first.vcenter!.reachable, false);
      assert.match(first.vcenter!.error ?? '', /no answer within 300 ms/);
      assert.equal(first.aci!.reachable, false);
      assert.ok(first.aci!.error, 'a refused connection says why');
      assert.equal(first.smtp!.reachable, true);
      assert.equal(first.smtp!.product, 'sink.test ESMTP test');
      assert.deepEqual(
        { configured: first.tfe!.configured, url: first.tfe!.url, lastChecked: first.tfe!.lastChecked },
        { configured: false, url: null, lastChecked: null },
      );

      // Many readers, no extra calls: only the rounds ask.
      const asked = pings;
      for (let i = 0; i < 500; i++) prober.current();
      assert.ok(pings - asked <= 1, `${pings - asked} pings for 500 reads`);
      // And the rounds go on: the answer is refreshed.
      const checked = first.awx!.lastChecked!;
      await waitFor('a later round', async () => prober.current()[0]!.lastChecked! > checked, 5_000, 50);
    } finally {
      await prober.stop();
      for (const s of [awx, silent, smtp]) {
        (s as Server).closeAllConnections?.();
        await new Promise((resolve) => s.close(resolve));
      }
    }
  });
});
