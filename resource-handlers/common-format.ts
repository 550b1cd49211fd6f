/**
 * Checks documents against their handler's versioned common-format JSON Schema (ajv), so nothing
 * reaches git, or a wrapper, that the schema does not allow.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { AnyResourceHandler, FieldProblem } from './types';

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const compiled = new Map<AnyResourceHandler, ValidateFunction>();

/** Problems of `document` against the handler's schema, as field paths (`network.gateway`). */
export function commonFormatProblems(handler: AnyResourceHandler, document: unknown): FieldProblem[] {
  let validate = compiled.get(handler);
  if (!validate) {
    validate = ajv.compile(handler.commonFormat.schema);
    compiled.set(handler, validate);
  }
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => {
    const segments = e.instancePath.split('/').slice(1);
    if (e.keyword === 'required') segments.push(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') segments.push(String(e.params.additionalProperty));
    return { path: segments.join('.') || '(document)', message: e.message ?? e.keyword };
  });
}
