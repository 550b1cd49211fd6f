/** The email task, for the worker of the orchestrator task queue. */
import type { AnyTask } from '../task';
import type { EmailDeps } from './deps';
import { sendEmail } from './send-email';

export { createEmailDeps, type EmailDeps } from './deps';

/** Every email task. */
export const emailTasks: readonly AnyTask<EmailDeps>[] = [sendEmail];
