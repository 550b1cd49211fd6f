/** Tasks about templates themselves. */
import type { TaskActivities } from '../task';
import { resolvePlan } from './resolve-plan';

export const templateTasks = [resolvePlan] as const;
export type TemplateActivities = TaskActivities<(typeof templateTasks)[number]>;
export type { TemplateDeps } from './deps';
