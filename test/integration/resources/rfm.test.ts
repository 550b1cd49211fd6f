import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { commitResource } from '../../../activities/rfm/commit-resource';
import type { RfmConfig } from '../../../activities/rfm/config';
import { createRfmDeps, type RfmDeps } from '../../../activities/rfm/deps';
import { readResource } from '../../../activities/rfm/read-resource';
import { recordRemoval } from '../../../activities/rfm/record-removal';
import { choosePlacement } from '../../../resource-handlers/placement';
import { labCatalog } from '../../../resource-handlers/store/seed';
import { virtualMachine, type VirtualMachineRequest } from '../../../resource-handlers/virtual_machine';
import { runTask, taskFailure } from './run-task';

const catalog = labCatalog();

function vmDocument(name: string, change: Partial<VirtualMachineRequest> = {}, address = '10.20.0.10') {
  const input = virtualMachine.input.parse({
    type: 'virtual_machine',
    name,
    osImage: 'rhel9',
    network: 'INTRANET_DEV',
    cpu: 2,
    memoryGb: 8,
    disks: [{ sizeGb: 100 }],
    ...change,
  });
  const placement = choosePlacement(catalog, virtualMachine.needs(input, catalog).placement!)!;
  return virtualMachine.emit(input, catalog, { placement, address: { network: 'INTRANET_DEV', address } });
}

interface CommitOutput {
  repoUrl: string;
  commit: string;
  created: boolean;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

describe('RFM: the common format in git', function () {
  let root: string;
  let config: RfmConfig;
  let deps: RfmDeps;
  const bare = () => path.join(root, 'remote', 'virtual_machine.git');
  const ids = (n: number) => ({ requestId: `req_${n}`, traceId: 'trc_1' });

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'rfm-'));
    config = {
      baseUrl: pathToFileURL(path.join(root, 'remote')).href,
      branch: 'main',
      author: { name: 'RFM Test', email: 'rfm-test@example.com' },
      workDir: path.join(root, 'work'),
      pushAttempts: 50,
    };
    deps = createRfmDeps(config);
  });

  afterEach(async () => {
    await deps.repositories.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the bare repository on first use and commits the document beside its metadata', async () => {
    const out = (await runTask(commitResource, deps, {
      ...ids(1),
      documents: [vmDocument('web-01')],
    })) as CommitOutput;
    assert.equal(out.created, true);
    assert.equal(out.repoUrl, pathToFileURL(bare()).href);
    assert.equal(git(bare(), 'rev-parse', 'main'), out.commit);
    assert.deepEqual(git(bare(), 'ls-tree', '-r', '--name-only', 'main').split('\n'), [
      'web-01/metadata.json',
      'web-01/resource.json',
    ]);
    const metadata = JSON.parse(git(bare(), 'show', 'main:web-01/metadata.json'));
    assert.equal(metadata.resourceType, 'virtual_machine');
    assert.equal(metadata.osType, 'linux');
    assert.equal(metadata.template, 'vm-create-unmanaged');
    const message = git(bare(), 'log', '-1', '--format=%an <%ae>%n%B', 'main');
    assert.match(message, /^RFM Test <rfm-test@example\.com>/);
    assert.match(message, /Request-Id: req_1/);
    assert.match(message, /Trace-Id: trc_1/);
  });

  it('makes one commit per request, and none for a re-run with the same content', async () => {
    const first = (await runTask(commitResource, deps, {
      ...ids(1),
      documents: [vmDocument('web-01'), vmDocument('web-02', {}, '10.20.0.11')],
    })) as CommitOutput;
    const again = (await runTask(commitResource, deps, {
      requestId: 'req_2',
      traceId: 'trc_1',
      documents: [vmDocument('web-01'), vmDocument('web-02', {}, '10.20.0.11')],
    })) as CommitOutput;
    assert.equal(again.created, false);
    assert.equal(again.commit, first.commit);
    assert.equal(git(bare(), 'rev-list', '--count', 'main'), '1');
    const changed = (await runTask(commitResource, deps, {
      ...ids(3),
      documents: [vmDocument('web-01', { cpu: 4 })],
    })) as CommitOutput;
    assert.equal(changed.created, true);
    assert.equal(git(bare(), 'rev-list', '--count', 'main'), '2');
  });

  it('lands every one of concurrent commits from two workers', async () => {
    const other = createRfmDeps({ ...config, workDir: path.join(root, 'work-2') });
    try {
      const results = (await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          runTask(commitResource, i % 2 ? other : deps, {
            ...ids(i),
            documents: [vmDocument(`vm-${i}`, {}, `10.20.0.${10 + i}`)],
          }),
        ),
      )) as CommitOutput[];
      assert.ok(results.every((r) => r.created));
      assert.equal(git(bare(), 'rev-list', '--count', 'main'), '12');
      const folders = git(bare(), 'ls-tree', '--name-only', 'main').split('\n').sort();
      assert.deepEqual(folders, Array.from({ length: 12 }, (_, i) => `vm-${i}`).sort());
    } finally {
      await other.repositories.close();
    }
  });

  it('reads a resource back at a commit and at the tip', async () => {
    const first = (await runTask(commitResource, deps, {
      ...ids(1),
      documents: [vmDocument('web-01')],
    })) as CommitOutput;
    await runTask(commitResource, deps, { ...ids(2), documents: [vmDocument('web-01', { cpu: 8 })] });
    const atFirst = (await runTask(readResource, deps, {
      resourceType: 'virtual_machine',
      name: 'web-01',
      commit: first.commit,
    })) as { commit: string; document: { cpu: number }; metadata: { template: string } };
    assert.equal(atFirst.commit, first.commit);
    assert.equal(atFirst.document.cpu, 2);
    assert.equal(atFirst.metadata.template, 'vm-create-unmanaged');
    const atTip = (await runTask(readResource, deps, {
      resourceType: 'virtual_machine',
      name: 'web-01',
    })) as {
      document: unknown;
    };
    assert.deepEqual(atTip.document, vmDocument('web-01', { cpu: 8 }));
  });

  it('answers NotFound for a commit or a resource the repository does not have', async () => {
    await runTask(commitResource, deps, { ...ids(1), documents: [vmDocument('web-01')] });
    const noCommit = await taskFailure(readResource, deps, {
      resourceType: 'virtual_machine',
      name: 'web-01',
      commit: 'deadbeef',
    });
    assert.equal(noCommit.type, 'NotFound');
    const noResource = await taskFailure(readResource, deps, {
      resourceType: 'virtual_machine',
      name: 'web-09',
    });
    assert.equal(noResource.type, 'NotFound');
    assert.match(noResource.message, /web-09\/resource\.json/);
  });

  it('reads again rather than answer NotFound when the clone fails under the read, and reads it once retried', async () => {
    const first = (await runTask(commitResource, deps, {
      ...ids(1),
      documents: [vmDocument('web-01')],
    })) as CommitOutput;
    // The clone loses the document's object, as one removed or rewritten under a read does.
    const [cloneRoot] = readdirSync(path.join(root, 'work'));
    const clone = path.join(root, 'work', cloneRoot!, 'virtual_machine');
    const blob = git(clone, 'rev-parse', `${first.commit}:web-01/resource.json`);
    rmSync(path.join(clone, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const read = { resourceType: 'virtual_machine', name: 'web-01', commit: first.commit };
    const failed = await taskFailure(readResource, deps, read);
    assert.equal(failed.type, 'UpstreamUnavailable', failed.message);
    assert.equal(failed.nonRetryable, false);
    const retried = (await runTask(readResource, deps, read)) as { document: unknown };
    assert.deepEqual(retried.document, vmDocument('web-01'));
  });

  it('records a removal once, and a repeated removal returns the same commit', async () => {
    await runTask(commitResource, deps, {
      ...ids(1),
      documents: [vmDocument('web-01'), vmDocument('web-02', {}, '10.20.0.11')],
    });
    const removal = (await runTask(recordRemoval, deps, {
      resourceType: 'virtual_machine',
      names: ['web-01'],
      ...ids(2),
    })) as { commit: string; created: boolean };
    assert.equal(removal.created, true);
    assert.deepEqual(git(bare(), 'ls-tree', '--name-only', 'main').split('\n'), ['web-02']);
    const again = (await runTask(recordRemoval, deps, {
      resourceType: 'virtual_machine',
      names: ['web-01'],
      ...ids(2),
    })) as { commit: string; created: boolean };
    assert.deepEqual(again, { ...removal, created: false });
    assert.equal(git(bare(), 'rev-list', '--count', 'main'), '2');
    const never = (await runTask(recordRemoval, deps, {
      resourceType: 'virtual_machine',
      names: ['never-there'],
      ...ids(3),
    })) as { commit: string | null; created: boolean };
    assert.deepEqual([never.commit, never.created], [null, false]);
  });

  it('refuses a document outside the common format, naming the field, and commits nothing', async () => {
    const bad = { ...vmDocument('web-01'), cpu: 'two' };
    const failure = await taskFailure(commitResource, deps, { ...ids(1), documents: [bad] });
    assert.equal(failure.type, 'InvalidInput');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /input\.documents\.0\.cpu/);
    assert.equal(existsSync(bare()), false);
  });

  it('recovers from a working clone left broken by an earlier attempt', async () => {
    await runTask(commitResource, deps, { ...ids(1), documents: [vmDocument('web-01')] });
    const clones = path.join(root, 'work');
    const [cloneRoot] = readdirSync(clones);
    writeFileSync(path.join(clones, cloneRoot!, 'virtual_machine', '.git', 'index.lock'), '');
    const broken = await taskFailure(commitResource, deps, { ...ids(2), documents: [vmDocument('web-02')] });
    assert.equal(broken.type, 'UpstreamUnavailable');
    assert.equal(broken.nonRetryable, false);
    const retried = (await runTask(commitResource, deps, {
      ...ids(2),
      documents: [vmDocument('web-02')],
    })) as CommitOutput;
    assert.equal(retried.created, true);
    assert.equal(git(bare(), 'rev-list', '--count', 'main'), '2');
  });

  it('takes a plain folder path as the base as well as a file:// URL', async () => {
    const plain = createRfmDeps({
      ...config,
      baseUrl: path.join(root, 'plain'),
      workDir: path.join(root, 'work-p'),
    });
    try {
      const out = (await runTask(commitResource, plain, {
        ...ids(1),
        documents: [vmDocument('web-01')],
      })) as CommitOutput;
      assert.equal(git(path.join(root, 'plain', 'virtual_machine.git'), 'rev-parse', 'main'), out.commit);
    } finally {
      await plain.repositories.close();
    }
  });

  it('keeps credentials of a remote URL out of its outputs', async () => {
    const withCredentials = createRfmDeps({
      ...config,
      baseUrl: 'https://rfm:s3cret-token@git.example.invalid/infra',
    });
    assert.equal(
      withCredentials.repositories.publicUrlOf('virtual_machine'),
      'https://git.example.invalid/infra/virtual_machine.git',
    );
  });
});
