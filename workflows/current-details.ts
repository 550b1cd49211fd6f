/**
 * A workflow's current details (Temporal user metadata, shown by the Web UI and
 * `temporal workflow metadata`) kept up to date: redrawn whenever what they render changes.
 */
import { CancellationScope, condition, setCurrentDetails } from '@temporalio/workflow';

/**
 * Keeps the current details equal to `render()`. No command is written to history, so it runs
 * for the workflow's whole life and needs no end; a cancellation does not stop it.
 */
export function followCurrentDetails(render: () => string): void {
  void CancellationScope.nonCancellable(async () => {
    let shown = '';
    for (;;) {
      let next = shown;
      await condition(() => (next = render()) !== shown);
      setCurrentDetails((shown = next));
    }
  });
}
