/**
 * Plans for child workflows: only the templates and tasks the child can reach, so each child's
 * start event (which records its input) stays small however large the parent's plan is.
 */
import type { Template, TemplatePlan, TaskStep } from '../../common/template';
import { reachableTemplates } from '../../common/template-graph';

/** The part of `plan` reachable from the template `entry`. */
export function subPlan(plan: TemplatePlan, entry: string): TemplatePlan {
  const tasks: TemplatePlan['tasks'] = {};
  const templates = reachableTemplates(
    entry,
    (key) => {
      const template = plan.templates[key];
      if (!template) throw new Error(`the plan has no template ${key}`);
      return template;
    },
    (id) => {
      const meta = plan.tasks[id];
      if (meta) tasks[id] = meta;
    },
  );
  return { entry, templates, tasks };
}

/**
 * The one-step template a fan-out item of a task step runs as its own child workflow: the parent
 * resolves the item's input, the child calls the task with it verbatim (`${input}` keeps the
 * value's type and is never re-read as an expression) and returns the task's output.
 */
export function itemPlan(plan: TemplatePlan, parent: Template, step: TaskStep): TemplatePlan {
  const key = `${parent.name}.${step.id}@${parent.version}`;
  const inner: TaskStep = { id: step.id, task: step.task, input: '${input}' };
  if (step.retry) inner.retry = step.retry;
  if (step.timeouts) inner.timeouts = step.timeouts;
  const template: Template = {
    name: `${parent.name}.${step.id}`,
    version: parent.version,
    description: `one item of ${parent.name} step ${step.id}`,
    input: {},
    steps: [inner],
    output: `\${steps.${step.id}.output}`,
  };
  const meta = plan.tasks[step.task];
  return { entry: key, templates: { [key]: template }, tasks: meta ? { [step.task]: meta } : {} };
}
