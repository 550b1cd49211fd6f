/**
 * Errors raised by world operations, named with vCenter's `error_type` vocabulary because the
 * inventory is vCenter's: the vCenter simulator maps them to its envelope verbatim, and the AWX
 * and TFE simulators turn them into failed jobs or errored applies with the message.
 */

/** vCenter error types the world can raise. */
export type WorldErrorType =
  | 'NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'ALREADY_EXISTS'
  | 'ALREADY_IN_DESIRED_STATE'
  | 'NOT_ALLOWED_IN_CURRENT_STATE'
  | 'UNABLE_TO_ALLOCATE_RESOURCE'
  | 'RESOURCE_IN_USE';

/** A refused world operation; `messageId` and `args` follow vCenter's message shape. */
export class WorldError extends Error {
  constructor(
    readonly errorType: WorldErrorType,
    message: string,
    readonly messageId: string,
    readonly args: string[] = [],
  ) {
    super(message);
    this.name = 'WorldError';
  }
}
