/** What the template tasks receive as `ctx.deps`: the worker's checked template library. */
import type { TemplateLibrary } from '../../templates/library';

export interface TemplateDeps {
  library: TemplateLibrary;
}
