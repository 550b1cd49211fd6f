/**
 * Checks every request body passes before a route reads it. A body must be JSON (415 otherwise,
 * so a form or text body never reaches a route as `undefined`); a parsed body must nest no deeper
 * than MAX_JSON_DEPTH (checked without recursion, so a 100,000-deep array cannot overflow the
 * stack of whatever recurses over it later: zod, JSON.stringify); and no string in it, key or
 * value, may carry what no field accepts and Postgres cannot store (NUL, other control
 * characters, lone surrogates) or what disguises text in a notice or a log (bidirectional
 * overrides and isolates).
 */
import type { RequestHandler } from 'express';
import { HttpError, type FieldProblem } from './errors';

/** Deepest nesting a body may have; a request of VMs needs five levels. */
export const MAX_JSON_DEPTH = 32;

/** Problems reported at most for one body: enough to fix it, too few to amplify an attack. */
const MAX_PROBLEMS = 20;

// C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the bidi
// embeddings, overrides and isolates; a surrogate not in a pair.
const forbiddenText =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first forbidden character of `text`, described; undefined when the text is clean. */
function forbiddenCharacter(text: string): string | undefined {
  const match = forbiddenText.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `contains U+${code} at ${match.index}: control characters, bidirectional overrides and lone surrogates are not accepted`;
}

/** The problems of a parsed body or query (paths like `body.resources.0.name`); empty when it may pass. */
export function bodyProblems(body: unknown, root = 'body'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: root, depth: 0 }];
  while (stack.length && problems.length < MAX_PROBLEMS) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = forbiddenCharacter(value);
      if (problem) problems.push({ path, message: problem });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      // One problem for the whole document: its deeper levels would only repeat it.
      return [{ path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` }];
    }
    const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = `${path}.${key}`;
      if (typeof key === 'string') {
        const problem = forbiddenCharacter(key);
        if (problem) problems.push({ path: childPath, message: `the field name ${problem}` });
      }
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return problems.slice(0, MAX_PROBLEMS);
}

/** Refuses a body that is not JSON in UTF-8 with 415, before the JSON parser sees it. */
export function requireJsonBody(): RequestHandler {
  return (req, _res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) return next();
    if (!req.is('application/json')) {
      throw new HttpError(
        415,
        'UnsupportedMediaType',
        `the body must be application/json, not ${req.get('content-type') ?? 'unlabelled'}`,
      );
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1];
    if (charset && charset.toLowerCase() !== 'utf-8') {
      throw new HttpError(415, 'UnsupportedMediaType', `the body must be UTF-8, not ${charset}`);
    }
    next();
  };
}

/**
 * Refuses a parsed JSON body that nests too deeply, or a body or query string that carries
 * forbidden characters, naming each field.
 */
export function guardJsonBody(): RequestHandler {
  return (req, _res, next) => {
    const problems = [
      ...bodyProblems(req.query, 'query'),
      ...(req.body === undefined ? [] : bodyProblems(req.body)),
    ];
    if (problems.length) {
      throw new HttpError(
        400,
        'InvalidInput',
        `invalid request: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        problems,
      );
    }
    next();
  };
}
