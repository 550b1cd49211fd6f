/** Runs a task's activity (input and output checked, as on a worker) outside a workflow. */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { toActivity, type AnyTask } from '../../../activities/task';

export async function runTask<Deps>(task: AnyTask<Deps>, deps: Deps, input: unknown): Promise<unknown> {
  // Failures are what some tests expect; the SDK's log of each would only be noise.
  return new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) }).run(
    toActivity(task, deps),
    input,
  );
}

/** The failure a task threw, for assertions on its type and fields. */
export async function taskFailure<Deps>(
  task: AnyTask<Deps>,
  deps: Deps,
  input: unknown,
): Promise<{ type?: string; message: string; nonRetryable?: boolean; details?: unknown[] }> {
  try {
    await runTask(task, deps, input);
  } catch (err) {
    return err as { type?: string; message: string };
  }
  throw new Error(`${task.id} succeeded where it should have failed`);
}
