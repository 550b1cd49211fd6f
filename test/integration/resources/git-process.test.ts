import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GitProcess } from '../../../activities/rfm/git-process';
import { GitUnavailableError } from '../../../activities/rfm/repositories';

/** RFM's git in a process of its own: what the worker sees when that process misbehaves. */
describe('RFM: git in a process of its own', () => {
  let root: string;
  let repositories: GitProcess;
  const file = (n: number) => ({ [`web-${n}/resource.json`]: `{"n":${n}}\n` });

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'rfm-process-'));
    repositories = new GitProcess({
      baseUrl: pathToFileURL(path.join(root, 'remote')).href,
      branch: 'main',
      author: { name: 'RFM Test', email: 'rfm-test@example.com' },
      workDir: path.join(root, 'work'),
      pushAttempts: 5,
    });
  });

  afterEach(async () => {
    await repositories.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts at the first call, with the configuration kept out of its command line', async () => {
    assert.equal(repositories.pid, undefined, 'nothing runs before a call');
    const first = await repositories.change('virtual_machine', file(1), 'first');
    assert.equal(first.created, true);
    const cmdline = readFileSync(`/proc/${repositories.pid}/cmdline`, 'utf8');
    assert.ok(!cmdline.includes(root), cmdline.replaceAll('\0', ' '));
    const read = await repositories.read('virtual_machine', ['web-1/resource.json']);
    assert.deepEqual(read, { commit: first.commit, contents: { 'web-1/resource.json': '{"n":1}\n' } });
  });

  it('fails the calls in flight when the process dies, and the next call starts a new one', async () => {
    await repositories.change('virtual_machine', file(1), 'first');
    const dead = repositories.pid!;
    const inFlight = repositories.change('virtual_machine', file(2), 'second');
    process.kill(dead, 'SIGKILL');
    await assert.rejects(
      inFlight,
      (err: Error) => err instanceof GitUnavailableError && /ended/.test(err.message),
    );
    const again = await repositories.change('virtual_machine', file(2), 'second');
    assert.ok(again.commit);
    assert.notEqual(repositories.pid, dead);
  });

  it('is ended by close, and started again by a later call', async () => {
    await repositories.change('virtual_machine', file(1), 'first');
    const pid = repositories.pid!;
    await repositories.close();
    assert.equal(repositories.pid, undefined);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    const read = await repositories.read('virtual_machine', ['web-1/resource.json']);
    assert.equal(read.contents['web-1/resource.json'], '{"n":1}\n');
    assert.notEqual(repositories.pid, pid);
  });
});
