/**
 * The templates in templates/: they pass every check against the full task catalog, their
 * examples satisfy their input schemas, the first steps' inputs rendered from each example pass
 * the task's own zod schema, and the editors' copy of the JSON Schema is current.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { registeredTasks, taskCatalog } from '../../../activities/registry';
import type { AnyTask } from '../../../activities/task';
import { resolveValue } from '../../../common/template-expressions';
import { templateJsonSchema } from '../../../common/template-schema';
import { loadTemplateLibrary, templatesDir } from '../../../templates/library';
import { schemaFile } from '../../../scripts/validate-templates';

const realTemplates = [
  'aci-network@1.0.0',
  'awx-run-job-template@1.0.0',
  'network-create@1.0.0',
  'network-delete@1.0.0',
  'resource-lease@1.0.0',
  'tfe-plan-apply@1.0.0',
  'vm-create-managed@1.0.0',
  'vm-create-unmanaged@1.0.0',
  'vm-delete-managed@1.0.0',
  'vm-delete-unmanaged@1.0.0',
  'vm-power-managed@1.0.0',
  'vm-power-unmanaged@1.0.0',
  'vm-update-managed@1.0.0',
  'vm-update-unmanaged@1.0.0',
];
// The registry's entries are the task declarations themselves, zod schemas included.
const tasksById = new Map<string, AnyTask<never>>(registeredTasks.map((t) => [t.id, t as AnyTask<never>]));

describe('real templates', () => {
  const library = loadTemplateLibrary(templatesDir, taskCatalog);

  it('all load against the full task catalog', () => {
    assert.deepEqual(library.keys(), [...realTemplates].sort());
    assert.equal(taskCatalog.size, registeredTasks.length);
  });

  for (const key of realTemplates) {
    const [name, version] = key.split('@') as [string, string];
    it(`${key}: examples satisfy the input schema and the first steps' tasks`, async () => {
      const template = library.get({ name, version })!;
      assert.ok(template.examples?.length, 'every real template ships examples');
      for (const example of template.examples!) {
        assert.deepEqual(library.checkInput({ name, version }, example), []);
        const scope = {
          input: example,
          steps: {},
          ids: { workflowId: 'trc_x/req_x/t', traceId: 'trc_x', requestId: 'req_x' },
        };
        for (const step of template.steps.filter((s) => !s.needs?.length && 'task' in s)) {
          const task = tasksById.get((step as { task: string }).task)!;
          const input = await resolveValue((step as { input?: unknown }).input ?? {}, scope);
          const parsed = task.input.safeParse(input);
          assert.ok(parsed.success, `${step.id}: ${JSON.stringify(parsed.error?.issues)}`);
        }
      }
    });
  }

  it('checkInput names what is wrong with an input, by JSON pointer', () => {
    const ref = { name: 'awx-run-job-template', version: '1.0.0' };
    assert.deepEqual(library.checkInput(ref, { jobTemplate: '', extraVars: 3, color: 'red' }), [
      { pointer: '', message: 'must NOT have additional properties (color)' },
      { pointer: '/jobTemplate', message: 'must NOT have fewer than 1 characters' },
      { pointer: '/extraVars', message: 'must be object' },
    ]);
  });

  it('the editors copy of the JSON Schema is the one derived from the zod model', () => {
    assert.deepEqual(
      JSON.parse(readFileSync(schemaFile, 'utf8')),
      JSON.parse(JSON.stringify(templateJsonSchema)),
      'run `npm run template-schema`',
    );
  });

  it('the validate script exits 1 and lists the problems of an invalid folder', function () {
    this.timeout(30_000);
    const dir = `${__dirname}/fixtures/invalid`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/validate-templates.ts', dir], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /broken\.json#\/steps\/0\/task \[semantics\] unknown task awx:launch-rocket/);
    assert.match(
      run.stderr,
      /broken\.json#\/steps\/1\/needs\/0 \[semantics\] needs nowhere, which is no step/,
    );
  });
});
