/**
 * The worker's activities per queue come from the table of systems: each system's tasks on its
 * queue, the health ping on every queue, one id never twice, an unconfigured end system refused
 * by name, and every system's dependencies closed once the workers stop.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createTaskCatalog, registeredTasks, systems, taskCatalog } from '../../../activities/registry';
import {
  defineSystem,
  defineTask,
  taskQueueOf,
  type SystemQueue,
  type WorkerResources,
} from '../../../activities/task';
import { allTaskQueues, TaskQueues } from '../../../common/task-queues';
import type { AwxConfig } from '../../../platform/end-systems';
import { queueActivities } from '../../../workers/activities';

const task = (id: string, timeouts: 'short' | 'long' = 'short') =>
  defineTask({
    id,
    description: `test task ${id}`,
    timeouts,
    input: z.object({}),
    output: z.object({}),
    async handler() {
      return {};
    },
  });

/** A system that records when its dependencies are made and closed. */
function recording(name: string, taskQueue: SystemQueue, ids: string[], events: string[]) {
  return defineSystem<{ name: string }>({
    name,
    taskQueue,
    tasks: ids.map((id) => task(id)),
    createDeps: () => {
      events.push(`create:${name}`);
      return { name };
    },
    close: (deps) => {
      events.push(`close:${deps.name}`);
    },
  });
}

const resources = { endSystems: {} } as WorkerResources;

describe('the worker activities derived from the table of systems', () => {
  it('serve each task on its system queue (the orchestrator’s in both lanes), and the every-queue tasks on all of them', async () => {
    const events: string[] = [];
    const built = queueActivities(resources, [
      recording('one', 'orchestrator', ['one:a', 'one:b'], events),
      recording('two', 'awx', ['two:a'], events),
      recording('health', 'every', ['health:ping'], events),
    ]);
    assert.deepEqual(Object.keys(built.byQueue).sort(), [...allTaskQueues].sort());
    assert.deepEqual(Object.keys(built.byQueue.orchestrator).sort(), ['health:ping', 'one:a', 'one:b']);
    assert.deepEqual(Object.keys(built.byQueue['orchestrator-bulk']).sort(), [
      'health:ping',
      'one:a',
      'one:b',
    ]);
    assert.deepEqual(Object.keys(built.byQueue.awx).sort(), ['health:ping', 'two:a']);
    assert.deepEqual(Object.keys(built.byQueue.aci), ['health:ping']);
    await built.close();
    assert.deepEqual(events, [
      'create:one',
      'create:two',
      'create:health',
      'close:one',
      'close:two',
      'close:health',
    ]);
  });

  it('refuse a task id declared by two systems', () => {
    const events: string[] = [];
    assert.throws(
      () =>
        queueActivities(resources, [
          recording('x', 'orchestrator', ['x:y'], events),
          recording('x', 'awx', ['x:y'], events),
        ]),
      /task x:y is declared twice/,
    );
    assert.deepEqual(events, [], 'nothing is built before the table is checked');
  });

  it('refuse a system whose task ids are not in its namespace', () => {
    assert.throws(
      () => recording('one', 'orchestrator', ['one:a', 'other:b'], []),
      /system one declares tasks of another namespace: other:b/,
    );
  });

  it('refuse to start without the configuration of an end system a system needs, naming its variable', () => {
    const needsAwx = defineSystem({
      name: 'needs-awx',
      taskQueue: 'awx',
      tasks: [],
      endSystem: 'awx',
      createDeps: (config: AwxConfig) => config.url,
    });
    const needsSmtp = defineSystem({
      name: 'needs-smtp',
      taskQueue: 'orchestrator',
      tasks: [],
      endSystem: 'smtp',
      createDeps: () => undefined,
    });
    assert.throws(
      () => queueActivities(resources, [needsAwx, needsSmtp]),
      /^Error: end systems not configured: awx \(AWX_URL\), smtp \(SMTP_HOST\)$/,
    );
  });

  it('close what was built when a later system cannot be built', () => {
    const events: string[] = [];
    const broken = defineSystem({
      name: 'broken',
      taskQueue: 'orchestrator',
      tasks: [],
      createDeps: () => {
        throw new Error('bad configuration');
      },
    });
    assert.throws(
      () => queueActivities(resources, [recording('one', 'orchestrator', ['one:a'], events), broken]),
      /bad configuration/,
    );
    assert.deepEqual(events, ['create:one', 'close:one']);
  });

  it('the catalog holds every task of the table but the ping, each with its system queue', () => {
    const expected = systems.flatMap(({ taskQueue, waitQueue, tasks }) =>
      taskQueue === 'every' ? [] : tasks.map((t) => `${t.id}@${taskQueueOf({ taskQueue, waitQueue }, t)}`),
    );
    assert.deepEqual(
      [...taskCatalog.values()].map((t) => `${t.id}@${t.taskQueue}`),
      expected,
    );
    assert.equal(registeredTasks.length, expected.length);
    assert.equal(taskCatalog.has('system:ping'), false);
  });

  it('a local task is one the workflow worker serves: on the orchestrator queue, its flag kept in the catalog', () => {
    const local = [...taskCatalog.values()].filter((t) => t.local).map((t) => `${t.id}@${t.taskQueue}`);
    assert.ok(local.includes('ansible:render-extra-vars@orchestrator'), local.join());
    assert.ok(
      local.every((t) => t.endsWith(`@${TaskQueues.orchestrator}`)),
      local.join(),
    );
    const meta = { id: 'x:render', description: 'a render', timeouts: 'short', local: true } as const;
    assert.equal(createTaskCatalog([{ ...meta, taskQueue: 'orchestrator' }]).get('x:render')?.local, true);
  });

  it("serve a system's waits on its wait queue, apart from its calls", () => {
    const waiting = defineSystem({
      name: 'slow',
      taskQueue: 'tfe',
      waitQueue: 'tfe-waits',
      tasks: [task('slow:call'), task('slow:wait', 'long')],
      createDeps: () => undefined,
    });
    const built = queueActivities(resources, [waiting]);
    assert.deepEqual(Object.keys(built.byQueue.tfe), ['slow:call']);
    assert.deepEqual(Object.keys(built.byQueue['tfe-waits']), ['slow:wait']);
  });

  it('no queue holds both a wait and a short call: a wait never takes a slot a call needs', () => {
    const byQueue = new Map<string, Set<string>>();
    for (const t of taskCatalog.values())
      byQueue.set(t.taskQueue, (byQueue.get(t.taskQueue) ?? new Set()).add(t.timeouts));
    const mixed = [...byQueue].filter(([, profiles]) => profiles.size > 1).map(([queue]) => queue);
    assert.deepEqual(mixed, []);
    assert.equal(taskCatalog.get('tfe:wait-run')?.taskQueue, 'tfe-waits');
    assert.equal(taskCatalog.get('awx:wait-job')?.taskQueue, 'awx-waits');
  });
});
