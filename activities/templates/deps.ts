/** What the template tasks receive as `ctx.deps`: the worker's checked template library and the store of pinned plans. */
import type { Pool } from 'pg';
import type { TemplateLibrary } from '../../templates/library';

export interface TemplateDeps {
  library: TemplateLibrary;
  pool: Pool;
}
