/**
 * History files as JSON: protobuf's JSON mapping (camelCase fields, enum names, base64 bytes,
 * 64-bit integers as strings), converted with @temporalio/proto's own message type.
 * `historyToJSON`/`historyFromJSON` of @temporalio/common are not used: in this install
 * @temporalio/common and @temporalio/proto each carry their own protobufjs copy, and those
 * helpers then refuse the History type ("type must be a Type").
 */
import { temporal } from '@temporalio/proto';

const History = temporal.api.history.v1.History;

/**
 * A fetched history as JSON, with the workflow ID beside the events: the interpreter derives its
 * children's IDs from its own, so a replay must run under the recorded ID.
 */
export function historyToJsonText(workflowId: string, history: temporal.api.history.v1.IHistory): string {
  const message = History.fromObject(history as Record<string, unknown>);
  const events = History.toObject(message, { longs: String, enums: String, bytes: String });
  return `${JSON.stringify({ workflowId, ...events }, null, 1)}\n`;
}

/** A history read back from such JSON, ready for Worker.runReplayHistories. */
export function historyFromJsonText(text: string): {
  workflowId: string;
  history: temporal.api.history.v1.History;
} {
  const json = JSON.parse(text) as { workflowId: string };
  return { workflowId: json.workflowId, history: History.fromObject(json) };
}
