/**
 * A burst of managed builds, submitted at once against TFE's real rate limit (30 requests per
 * second per token in the simulator), all succeed: the requests are paced below the limit and a
 * 429 that comes anyway is waited out, never ending a request (docs/waits.md).
 */
import assert from 'node:assert/strict';
import { e2e, vm, type E2e } from './fixture';

const BURST = 30;

describe('a burst of managed builds at once', () => {
  let t: E2e;
  let carol: string;
  before(async () => {
    t = await e2e();
    carol = await t.requester('carol');
  });

  it(`builds ${BURST} managed VMs submitted at once, none failing on TFE's rate limit`, async function () {
    this.timeout(600_000);
    const stamp = Date.now().toString(36);
    const submitted = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        t.submit(carol, { resources: [vm(`burst-${stamp}-${i}`, { managed: true, cpu: 1, memoryGb: 1 })] }),
      ),
    );
    const views = await Promise.all(submitted.map(({ requestId }) => t.settle(carol, requestId, 540_000)));
    const failed = views.filter((v) => v.status !== 'succeeded');
    assert.deepEqual(
      failed.map((v) => `${v.requestId}: ${v.status} ${JSON.stringify(v.resources.map((r) => r.error))}`),
      [],
    );
  });
});
