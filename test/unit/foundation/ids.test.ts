import assert from 'node:assert/strict';
import {
  childWorkflowId,
  MAX_WORKFLOW_ID_LENGTH,
  requestIdFrom,
  requestWorkflowId,
  traceIdFrom,
  traceIdOf,
  traceIdPattern,
  requestIdPattern,
} from '../../../common/ids';

describe('workflow ID lineage', () => {
  const ulid = '01JD2Y8J3E5Q6W7X8Y9Z0ABCDE';
  const traceId = traceIdFrom(ulid);
  const requestId = requestIdFrom('01JD2Y8J3E5Q6W7X8Y9Z0ABCDF');

  it('makes trace and request IDs that their patterns accept', () => {
    assert.match(traceId, traceIdPattern);
    assert.match(requestId, requestIdPattern);
    assert.doesNotMatch(requestId, traceIdPattern);
  });

  const cases: [string, string, string | undefined, string][] = [
    [
      'a template under a request',
      requestWorkflowId(traceId, requestId),
      'vm-create',
      `${traceId}/${requestId}/vm-create`,
    ],
    [
      'a fan-out item',
      `${traceId}/${requestId}/vm-create`,
      'vms',
      `${traceId}/${requestId}/vm-create/vms[web-01]`,
    ],
    ['separators in a segment are neutralised', traceId, 'a/b[c] d', `${traceId}/a_b_c__d`],
  ];
  for (const [name, parent, segment, expected] of cases) {
    it(name, () => {
      const key = name === 'a fan-out item' ? 'web-01' : undefined;
      assert.equal(childWorkflowId(parent, segment!, key), expected);
    });
  }

  it('keeps the trace ID at the root of every descendant', () => {
    const deep = childWorkflowId(
      childWorkflowId(requestWorkflowId(traceId, requestId), 'tpl'),
      'step',
      'x/y',
    );
    assert.equal(traceIdOf(deep), traceId);
    assert.ok(deep.endsWith('[x_y]'));
  });

  it('refuses an ID longer than Temporal accepts', () => {
    assert.throws(() => childWorkflowId('t'.repeat(MAX_WORKFLOW_ID_LENGTH - 3), 'long-segment'), RangeError);
  });
});
