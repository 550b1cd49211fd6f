/**
 * The one way a process reads its configuration (environment variables, a settings file) through
 * zod: a value that fails its schema refuses the start with one line per problem, naming the
 * variable or the path. zod's messages never quote the value, so a bad secret is named, not shown.
 */
import type { z } from 'zod';

/** Parses `input` with `schema`, or throws `invalid <source>:` followed by every problem. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  source = 'configuration',
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid ${source}:\n${problems.join('\n')}`);
}
