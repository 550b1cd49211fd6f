/**
 * The one ajv instance that checks template files and the inputs their JSON Schemas declare, and
 * the one way its errors are told: a JSON pointer and a message naming the offending property or
 * the allowed values. Strict, so that an unknown keyword in an input schema (almost always a
 * typo) is refused rather than ignored.
 */
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

export const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
addFormats(ajv);

/** One problem of a value against a schema. */
export interface SchemaProblem {
  /** JSON pointer into the value checked, after `prefix`. */
  pointer: string;
  message: string;
}

/** ajv's errors as pointers (below `prefix`) and messages. */
export function schemaProblems(errors: ErrorObject[] | null | undefined, prefix = ''): SchemaProblem[] {
  return (errors ?? []).map((e) => {
    const extra =
      'additionalProperty' in e.params
        ? ` (${String(e.params.additionalProperty)})`
        : 'allowedValues' in e.params
          ? ` (${(e.params.allowedValues as unknown[]).join(', ')})`
          : '';
    return { pointer: `${prefix}${e.instancePath}`, message: `${e.message ?? 'invalid'}${extra}` };
  });
}
