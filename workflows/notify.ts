/** Sending a notice from workflow code: the request's and the resource's e-mails go one way. */
import { isCancellation, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { sendEmail } from '../activities/email/send-email';
import type { TaskActivities } from '../activities/task';
import type { Notice } from '../common/notices';
import { activitySummary } from '../common/summaries';
import { timeoutProfiles } from '../common/tasks';
import { describeError } from './interpreter/errors';

type EmailActivities = TaskActivities<typeof sendEmail>;
// A notice that cannot be sent after a few tries must not fail what it is about.
const options = { ...timeoutProfiles.short, retry: { maximumAttempts: 5 } };
const { 'email:send-email': sendEmailActivity } = proxyActivities<EmailActivities>(options);
const { 'email:send-email': sendEmailLocally } = proxyLocalActivities<EmailActivities>(options);

/**
 * Sends `notice` to `notify` (nobody: nothing); one that fails after its retries is logged, not
 * fatal. `local`: from the worker that runs the workflow, inside its workflow task (no activity
 * task's round trip through Temporal, no workflow task after it), for the last thing a workflow
 * does; not beside other work, whose commands would wait for the mail server's answer.
 */
export async function tell(notify: string[], notice: Notice, how: { local?: boolean } = {}): Promise<void> {
  if (notify.length === 0) return;
  const send = how.local ? sendEmailLocally : sendEmailActivity;
  try {
    await send.executeWithOptions(
      { summary: activitySummary(`notice "${notice.subject}"`, 'email:send-email') },
      [{ to: notify, ...notice }],
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('notice not sent', { subject: notice.subject, error: describeError(err).message });
  }
}
