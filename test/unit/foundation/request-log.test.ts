import assert from 'node:assert/strict';
import pino from 'pino';
import { requestIdsOf } from '../../../common/ids';
import { REQUEST_LOG_LEVEL, requestLineOf } from '../../../platform/request-log';
import { forwardSdkLog } from '../../../workers/sdk-log';

const traceId = 'trc_01M8P4KHTFVTDHNSBGQZ1P2YHR';
const requestId = 'req_01M8P4KHTF5MCP7Y7KAYK6Q9PW';

describe('request log lines', () => {
  it('finds the request and trace at the root of a workflow ID, and nothing in other IDs', () => {
    const cases: [string, ReturnType<typeof requestIdsOf>][] = [
      [`${traceId}/${requestId}`, { traceId, requestId }],
      [`${traceId}/${requestId}/vm-create-unmanaged[web-01]/step[x]`, { traceId, requestId }],
      ['trc_check/1', undefined],
      [traceId, undefined],
      [`${requestId}/${traceId}`, undefined],
    ];
    for (const [workflowId, ids] of cases) assert.deepEqual(requestIdsOf(workflowId), ids, workflowId);
  });

  it('renders a line naming a request as time, level, process, message and fields', () => {
    const json = JSON.stringify({
      level: 30,
      time: Date.parse('2026-11-30T11:49:22.465Z'),
      pid: 7,
      hostname: 'vm',
      name: 'api',
      msg: 'request submitted',
      traceId,
      requestId,
      resources: 1,
    });
    assert.deepEqual(requestLineOf(json), {
      requestId,
      traceId,
      at: Date.parse('2026-11-30T11:49:22.465Z'),
      line: `2026-11-30T11:49:22.465Z INFO  api[7@vm] request submitted {"traceId":"${traceId}","requestId":"${requestId}","resources":1}`,
    });
  });

  it('skips lines that name no request, or a malformed one', () => {
    for (const line of [
      JSON.stringify({ level: 30, msg: 'api listening' }),
      JSON.stringify({ level: 30, msg: 'x', requestId: 'req_not-an-id' }),
      '{"requestId":"req_ broken',
    ])
      assert.equal(requestLineOf(line), undefined, line);
  });

  it("gives the SDK's workflow and activity entries their request and trace, without the task token", () => {
    const lines: string[] = [];
    const log = pino({ level: REQUEST_LOG_LEVEL }, { write: (l: string) => void lines.push(l) });
    const forward = forwardSdkLog(log);
    forward({
      level: 'DEBUG',
      message: 'Activity completed',
      timestampNanos: 0n,
      meta: {
        workflowId: `${traceId}/${requestId}/t`,
        activityType: 'awx:launch-job-template',
        taskToken: 'c2VjcmV0',
      },
    });
    forward({
      level: 'WARN',
      message: 'Workflow failed',
      timestampNanos: 0n,
      meta: { error: new Error('boom') },
    });
    forward({ level: 'TRACE', message: 'dropped below debug', timestampNanos: 0n });
    assert.equal(lines.length, 2);
    const [activity, failed] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(activity!.requestId, requestId);
    assert.equal(activity!.traceId, traceId);
    assert.equal(activity!.taskToken, undefined);
    assert.equal(activity!.activityType, 'awx:launch-job-template');
    assert.equal((failed!.err as { message: string }).message, 'boom');
    assert.ok(requestLineOf(lines[0]!), 'the collector takes the activity line');
  });
});
