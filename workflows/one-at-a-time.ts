/**
 * Local activities of one workflow, one at a time. Two in flight at once are not always replayed
 * as they ran: their results may reach the workflow in one activation on replay where they came in
 * two, and whatever waits on a `condition` in between (the story's appends, a template's progress
 * signals) then does something else: a nondeterminism error. Run one after another, each local
 * activity is scheduled only once the one before has ended, so its result has an activation of
 * its own on replay as it had when it ran. They are quick (a render, one statement on
 * PostgreSQL): the order costs milliseconds, not workflow tasks.
 */
export type OneAtATime = <T>(call: () => Promise<T>) => Promise<T>;

export function oneAtATime(): OneAtATime {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(call: () => Promise<T>): Promise<T> => {
    const run = last.then(call, call);
    last = run.catch(() => undefined);
    return run;
  };
}
