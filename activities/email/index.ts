/** Email: notices go out through the configured SMTP relay from the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { createEmailDeps } from './deps';
import { sendEmail } from './send-email';

export { createEmailDeps, type EmailDeps } from './deps';

export const emailSystem = defineSystem({
  name: 'email',
  taskQueue: 'orchestrator',
  tasks: [sendEmail],
  endSystem: 'smtp',
  createDeps: (config) => createEmailDeps(config),
  close: (deps) => deps.transport.close(),
});
