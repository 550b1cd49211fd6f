/**
 * What the template tasks receive as `ctx.deps`: the worker's checked template library, the store
 * of pinned plans, and a planner.
 */
import type { Pool } from 'pg';
import type { hashedForm, RequestPlanner } from '../../api/plan/planner';
import type { TemplateLibrary } from '../../templates/library';

export interface TemplateDeps {
  library: TemplateLibrary;
  pool: Pool;
  /** The request planner the preview uses, made at its first use (`templates:replan`). */
  planner: () => Promise<RequestPlanner>;
  /** What a recorded plan's hash is computed from (api/plan/planner.ts). */
  hashedForm: typeof hashedForm;
  closePlanner: () => Promise<void>;
}
