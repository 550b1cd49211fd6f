/** Sending a notice from workflow code: the request's and the resource's e-mails go one way. */
import { isCancellation, log, proxyLocalActivities } from '@temporalio/workflow';
import type { sendEmail } from '../activities/email/send-email';
import type { TaskActivities } from '../activities/task';
import type { Notice } from '../common/notices';
import { activitySummary } from '../common/summaries';
import { timeoutProfiles } from '../common/tasks';
import { describeError } from './interpreter/errors';

// A notice that cannot be sent after a few tries must not fail what it is about. One message to
// the mail server: a local activity, sent from the worker that runs the workflow without an
// activity task's round trip through Temporal and the workflow task that would follow it.
const { 'email:send-email': sendEmailActivity } = proxyLocalActivities<TaskActivities<typeof sendEmail>>({
  ...timeoutProfiles.short,
  retry: { maximumAttempts: 5 },
});

/** Sends `notice` to `notify` (nobody: nothing); one that fails after its retries is logged, not fatal. */
export async function tell(notify: string[], notice: Notice): Promise<void> {
  if (notify.length === 0) return;
  try {
    await sendEmailActivity.executeWithOptions(
      { summary: activitySummary(`notice "${notice.subject}"`, 'email:send-email') },
      [{ to: notify, ...notice }],
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('notice not sent', { subject: notice.subject, error: describeError(err).message });
  }
}
