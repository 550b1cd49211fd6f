/**
 * The child side of `GitProcess`: RFM's repositories, driven over IPC by the process that forked
 * this one, whose calls it answers by id. It ends with that process (the channel closes).
 */
import type { GitAnswer, GitCall } from './git-process';
import { GitNotFoundError, GitUnavailableError, ResourceRepositories } from './repositories';

let repositories: ResourceRepositories | undefined;

function answer(a: GitAnswer): void {
  if (process.connected) process.send!(a);
}

async function handle(call: GitCall): Promise<void> {
  if (call.method === 'init') {
    repositories = new ResourceRepositories(call.args[0]);
    return;
  }
  try {
    if (!repositories) throw new GitUnavailableError('the git process was not given its configuration');
    // JSON has no undefined: an argument left out arrives as null.
    const value =
      call.method === 'change'
        ? await repositories.change(call.args[0], call.args[1], call.args[2], call.args[3] ?? undefined)
        : call.method === 'read'
          ? await repositories.read(call.args[0], call.args[1], call.args[2] ?? undefined)
          : await repositories.close();
    answer({ id: call.id, ok: true, value: value ?? null });
  } catch (err) {
    const kind =
      err instanceof GitNotFoundError
        ? 'not-found'
        : err instanceof GitUnavailableError
          ? 'unavailable'
          : 'other';
    answer({ id: call.id, ok: false, error: { kind, message: (err as Error).message } });
  }
}

process.on('message', (call: GitCall) => void handle(call));
process.once('disconnect', () => {
  void (repositories?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
