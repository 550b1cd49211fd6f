/**
 * Whose a resource is, in Postgres and in the request workflow's tasks: the creating request's
 * preparation claims it for its requester (and the group the request gave), the request's end
 * settles the claim, `resources:resolve` lets only the owner, the group's members and admins act
 * on it (anyone else is told it does not exist, in the words a name never built gets), and the
 * 0008 migration derives the owners of resources built before it from the ledger.
 */
import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { recordStatus } from '../../../activities/ledger/record-status';
import { createResourceDeps, type ResourceDeps } from '../../../activities/resources/deps';
import { prepareResource } from '../../../activities/resources/prepare-resource';
import { resolveResource } from '../../../activities/resources/resolve-resource';
import type { Actor } from '../../../common/authority';
import { dropDatabase } from '../../../platform/database';
import { migrate, readMigrations } from '../../../platform/db/migrate';
import { changeOwnership, findResource, releaseAddress } from '../../../resource-handlers/store';
import { getStack, type TestStack } from '../../harness/stack';
import { runTask, taskFailure } from './run-task';

const run = Math.random().toString(36).slice(2, 8);
const named = (name: string) => `${name}-${run}`;
const actor = (subject: string, role: Actor['role'] = 'requester', groups: string[] = []): Actor => ({
  subject: `${subject}-${run}@example.test`,
  role,
  groups,
});

describe('resource ownership', function () {
  this.timeout(60_000);
  let stack: TestStack;
  let deps: ResourceDeps;
  const alice = actor('alice', 'requester', ['web']);
  const vm = (name: string) => ({
    type: 'virtual_machine',
    name: named(name),
    osImage: 'rhel9',
    network: 'INTRANET_DEV',
    cpu: 2,
    memoryGb: 8,
    disks: [{ sizeGb: 40 }],
  });
  /** Prepares a VM of Alice's in its own trace, as her creating request would. */
  const prepare = (name: string, extra: Record<string, unknown> = {}) =>
    runTask(prepareResource, deps, {
      resource: vm(name),
      requestId: `req_${name}_${run}`,
      traceId: `trc_${name}_${run}`,
      requester: alice,
      ...extra,
    });
  /** Ends a request in the ledger with one resource's outcome, as the request workflow does. */
  const end = (name: string, action: 'create' | 'delete', state: 'succeeded' | 'failed', by = alice) =>
    runTask(
      recordStatus,
      { pool: stack.pool, workflowRunning: async () => true },
      {
        requestId: `req_${name}_${action}_${run}`,
        traceId: action === 'create' ? `trc_${name}_${run}` : `trc_${name}_delete_${run}`,
        requester: by.subject,
        workflowId: `trc_${name}/${action}`,
        status: state,
        outcome: { resources: [{ type: 'virtual_machine', name: named(name), action, state }] },
      },
    );

  before(async function () {
    this.timeout(180_000);
    stack = await getStack();
    deps = { ...createResourceDeps({ pool: stack.pool }), now: () => new Date('2030-01-01T00:00:00Z') };
  });

  it('is claimed for the requester, with the group the request gave, by the creating request', async () => {
    await prepare('claimed', { group: 'web' });
    const record = await findResource(stack.pool, 'virtual_machine', named('claimed'));
    assert.deepEqual(
      { state: record?.state, owner: record?.owner, group: record?.group, by: record?.createdByRequest },
      { state: 'building', owner: alice.subject, group: 'web', by: `req_claimed_${run}` },
    );
    // A retry of the same preparation finds its own claim.
    await prepare('claimed', { group: 'web' });
  });

  it('refuses a group the requester is not in, naming the field, and claims nothing', async () => {
    const failure = await taskFailure(prepareResource, deps, {
      resource: vm('stolen-group'),
      requestId: `req_sg_${run}`,
      traceId: `trc_sg_${run}`,
      requester: alice,
      group: 'dba',
      index: 2,
    });
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /resources\.2\.group/);
    assert.equal(await findResource(stack.pool, 'virtual_machine', named('stolen-group')), undefined);
  });

  it("refuses another trace's name", async () => {
    await prepare('taken');
    const failure = await taskFailure(prepareResource, deps, {
      resource: vm('taken'),
      requestId: `req_taken2_${run}`,
      traceId: `trc_taken2_${run}`,
      requester: actor('bob'),
    });
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /resources\.0\.name: a virtual_machine named taken-\w+ already exists/);
    assert.equal((await findResource(stack.pool, 'virtual_machine', named('taken')))?.owner, alice.subject);
  });

  it("is settled by its request's end: built is active, failed is given up, removed is kept as removed", async () => {
    await prepare('built');
    await end('built', 'create', 'succeeded');
    assert.equal((await findResource(stack.pool, 'virtual_machine', named('built')))?.state, 'active');
    await prepare('broken');
    await end('broken', 'create', 'failed');
    assert.equal(await findResource(stack.pool, 'virtual_machine', named('broken')), undefined);
    await end('built', 'delete', 'failed');
    assert.equal((await findResource(stack.pool, 'virtual_machine', named('built')))?.state, 'active');
    await end('built', 'delete', 'succeeded');
    assert.equal((await findResource(stack.pool, 'virtual_machine', named('built')))?.state, 'removed');
    // Its name can be built again, by anyone, once its removal freed its address: the new build
    // takes the row over.
    await releaseAddress(stack.pool, {
      resourceType: 'virtual_machine',
      resourceName: named('built'),
      requestId: `req_built_delete_${run}`,
    });
    const bob = actor('bob');
    await runTask(prepareResource, deps, {
      resource: vm('built'),
      requestId: `req_built_again_${run}`,
      traceId: `trc_built_again_${run}`,
      requester: bob,
    });
    const again = await findResource(stack.pool, 'virtual_machine', named('built'));
    assert.deepEqual(
      { state: again?.state, owner: again?.owner, by: again?.createdByRequest },
      { state: 'building', owner: bob.subject, by: `req_built_again_${run}` },
    );
  });

  describe('resources:resolve', () => {
    const resolve = (name: string, requester: Actor, index = 0) =>
      runTask(resolveResource, deps, {
        resourceType: 'virtual_machine',
        name: named(name),
        requester,
        index,
      });
    const refusal = async (name: string, requester: Actor) => {
      const failure = await taskFailure(resolveResource, deps, {
        resourceType: 'virtual_machine',
        name: named(name),
        requester,
        index: 1,
      });
      return {
        type: failure.type,
        nonRetryable: failure.nonRetryable,
        message: failure.message.replace(named(name), '<name>'),
      };
    };
    before(async () => {
      await prepare('owned', { group: 'web' });
      await end('owned', 'create', 'succeeded');
      await prepare('unfinished');
    });

    const cases: { who: string; actor: Actor; may: boolean }[] = [
      { who: 'the owner', actor: alice, may: true },
      { who: 'a member of its group', actor: actor('carol', 'requester', ['ops', 'web']), may: true },
      { who: 'an admin in no group', actor: actor('root', 'admin'), may: true },
      { who: 'a stranger', actor: actor('bob', 'requester', ['ops']), may: false },
      { who: 'an approver outside the group', actor: actor('ann', 'approver', ['capacity']), may: false },
    ];
    for (const c of cases) {
      it(`${c.may ? 'resolves' : 'refuses as absent'} for ${c.who}`, async () => {
        if (c.may) {
          assert.deepEqual(await resolve('owned', c.actor), {
            resourceType: 'virtual_machine',
            name: named('owned'),
            managed: false,
            owner: alice.subject,
            group: 'web',
            workflowId: null,
          });
        } else {
          assert.deepEqual(await refusal('owned', c.actor), await refusal('never-built', c.actor));
          assert.deepEqual(await refusal('owned', c.actor), {
            type: 'NotFound',
            nonRetryable: true,
            message: 'resources:resolve: resources.1.name: no virtual_machine named <name>',
          });
        }
      });
    }

    it('refuses a stranger a resource being built as if it did not exist, and tells its owner it is being built', async () => {
      const bob = actor('bob');
      assert.deepEqual(await refusal('unfinished', bob), await refusal('never-built', bob));
      const owners = await refusal('unfinished', alice);
      assert.equal(owners.type, 'InvalidInput');
      assert.match(owners.message, /still being built by request req_unfinished_/);
    });

    it("follows an admin's transfer, recorded with who and when", async () => {
      const dave = actor('dave');
      const changed = await changeOwnership(stack.pool, {
        type: 'virtual_machine',
        name: named('owned'),
        owner: dave.subject,
        group: null,
        changedBy: 'root@example.test',
      });
      assert.equal(changed?.ownerChangedBy, 'root@example.test');
      assert.ok(Date.now() - Date.parse(changed!.ownerChangedAt!) < 60_000);
      assert.equal(((await resolve('owned', dave)) as { owner: string }).owner, dave.subject);
      assert.equal((await refusal('owned', alice)).type, 'NotFound');
      assert.equal((await refusal('owned', actor('carol', 'requester', ['web']))).type, 'NotFound');
      const { rows } = await stack.pool.query(
        `SELECT from_owner, from_group, to_owner, to_group, changed_by FROM resource_owner_changes
          WHERE resource_type = 'virtual_machine' AND name = $1`,
        [named('owned')],
      );
      assert.deepEqual(rows, [
        {
          from_owner: alice.subject,
          from_group: 'web',
          to_owner: dave.subject,
          to_group: null,
          changed_by: 'root@example.test',
        },
      ]);
    });
  });

  it('0008 derives the owners of resources built before it from the ledger', async () => {
    const name = `oo_backfill_${run}`;
    await stack.pool.query(`CREATE DATABASE ${name}`);
    const url = new URL(stack.databaseUrl);
    url.pathname = `/${name}`;
    const pool = new Pool({ connectionString: url.toString(), max: 2 });
    try {
      await migrate(
        pool,
        readMigrations().filter((m) => m.version < 8),
      );
      // [request, requester, status, minutes ago, submitted resources, outcome resources]
      const ledger: [string, string, string, number, unknown[], unknown[] | null][] = [
        [
          'req_1',
          'alice',
          'succeeded',
          50,
          [],
          [
            {
              type: 'virtual_machine',
              name: 'kept',
              action: 'create',
              state: 'succeeded',
              template: 'vm-create-unmanaged',
            },
            {
              type: 'virtual_machine',
              name: 'gone',
              action: 'create',
              state: 'succeeded',
              template: 'vm-create-managed',
            },
            {
              type: 'virtual_machine',
              name: 'rebuilt',
              action: 'create',
              state: 'succeeded',
              template: 'vm-create-unmanaged',
            },
          ],
        ],
        [
          'req_2',
          'bob',
          'failed',
          40,
          [],
          [
            {
              type: 'virtual_machine',
              name: 'never',
              action: 'create',
              state: 'failed',
              template: 'vm-create-unmanaged',
            },
            {
              type: 'virtual_machine',
              name: 'kept',
              action: 'delete',
              state: 'failed',
              template: 'vm-delete-unmanaged',
            },
          ],
        ],
        [
          'req_3',
          'alice',
          'succeeded',
          30,
          [],
          [
            {
              type: 'virtual_machine',
              name: 'gone',
              action: 'delete',
              state: 'succeeded',
              template: 'vm-delete-managed',
            },
            {
              type: 'virtual_machine',
              name: 'rebuilt',
              action: 'delete',
              state: 'succeeded',
              template: 'vm-delete-unmanaged',
            },
          ],
        ],
        [
          'req_4',
          'carol',
          'succeeded',
          20,
          [],
          [
            {
              type: 'virtual_machine',
              name: 'rebuilt',
              action: 'create',
              state: 'succeeded',
              template: 'vm-create-managed',
            },
          ],
        ],
        [
          'req_5',
          'dave',
          'running',
          10,
          [
            { type: 'virtual_machine', name: 'underway', managed: true },
            { type: 'virtual_machine', action: 'delete', name: 'kept' },
          ],
          null,
        ],
      ];
      for (const [id, requester, status, ago, submitted, outcome] of ledger) {
        await pool.query(
          `INSERT INTO requests (request_id, trace_id, requester, status, workflow_id, body, outcome, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $2 || '/' || $1, $5, $6, now() - make_interval(mins => $7), now() - make_interval(mins => $7))`,
          [
            id,
            `trc_${id}`,
            requester,
            status,
            { resources: submitted },
            outcome && { resources: outcome },
            ago,
          ],
        );
      }
      // A request started outside the API, whose outcome names no resources: nothing to derive.
      await pool.query(
        `INSERT INTO requests (request_id, trace_id, requester, status, workflow_id, body, outcome)
         VALUES ('req_6', 'trc_req_6', 'erin', 'failed', 'trc_req_6/req_6', '{}', '{"resources": null}')`,
      );
      await migrate(pool);
      const { rows } = await pool.query(
        `SELECT name, state, managed, owner, owner_group, created_by_request FROM resources ORDER BY name`,
      );
      assert.deepEqual(rows, [
        {
          name: 'kept',
          state: 'active',
          managed: false,
          owner: 'alice',
          owner_group: null,
          created_by_request: 'req_1',
        },
        {
          name: 'rebuilt',
          state: 'active',
          managed: true,
          owner: 'carol',
          owner_group: null,
          created_by_request: 'req_4',
        },
        {
          name: 'underway',
          state: 'building',
          managed: true,
          owner: 'dave',
          owner_group: null,
          created_by_request: 'req_5',
        },
      ]);
    } finally {
      await pool.end();
      await dropDatabase(stack.databaseUrl, name);
    }
  });
});
