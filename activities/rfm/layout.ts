/** Where a resource lives in its type's repository, and how RFM's commits and errors read. */
import { failure } from '../../common/errors';
import type { AnyResourceHandler } from '../../resource-handlers/types';
import { GitNotFoundError, GitUnavailableError } from './repositories';

/** `<name>/resource.json`: the common format. */
export const documentPath = (name: string) => `${name}/resource.json`;
/** `<name>/metadata.json`: resource type, OS type and the templates to run. */
export const metadataPath = (name: string) => `${name}/metadata.json`;

/** Stable JSON text, so the same document is the same bytes and a re-run changes nothing. */
export const jsonFile = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The files a resource's commit writes: its common format and, beside it, its metadata. */
export function resourceFiles(
  handler: Pick<AnyResourceHandler, 'describe'>,
  document: { name: string },
): Record<string, string> {
  return {
    [documentPath(document.name)]: jsonFile(document),
    [metadataPath(document.name)]: jsonFile(handler.describe(document)),
  };
}

/** The commit message: a subject, then trailers a reader (or `git log --grep`) can find a request by. */
export function commitMessage(subject: string, ids: { requestId: string; traceId: string }): string {
  return `${subject}\n\nRequest-Id: ${ids.requestId}\nTrace-Id: ${ids.traceId}`;
}

/** Maps git failures to the taxonomy: not found is final, the rest is worth retrying. */
export function gitFailure(call: string, err: unknown): Error {
  if (err instanceof GitNotFoundError)
    return failure('NotFound', `${call}: ${err.message}`, { system: 'git', call });
  if (err instanceof GitUnavailableError)
    return failure('UpstreamUnavailable', `${call}: ${err.message}`, { system: 'git', call });
  return err as Error;
}
