import assert from 'node:assert/strict';
import { getStack } from '../../harness/stack';
import { startTestApi, type TestApi } from './api-client';

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

describe('the OpenAPI document', () => {
  let api: TestApi;
  let admin: string;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  before(async () => {
    api = await startTestApi(await getStack());
    admin = await api.tokenFor('admin');
    doc = (await api.call('GET', '/openapi.json')).body as typeof doc;
  });
  after(() => api.close());

  it('is OpenAPI 3.1 with the submission schema from the code', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/v1/requests']?.post?.requestBody);
  });

  const dummies: Record<string, string> = {
    id: 'req_01JD2Y8J3E5Q6W7X8Y9Z0ABCDE',
    traceId: 'trc_unknown',
    tokenId: 'tok_unknown',
  };

  it('documents only operations the API serves, with the statuses they answer', async () => {
    const checked: string[] = [];
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => dummies[name] ?? 'x');
        const res = await api.call<{ error?: { message: string } }>(method.toUpperCase(), path, {
          token: admin,
          ...(op.requestBody ? { body: {} } : {}),
        });
        assert.ok(
          !res.body.error?.message.startsWith('no route for'),
          `${method} ${template} is documented but not served`,
        );
        assert.ok(
          String(res.status) in op.responses,
          `${method} ${template} answered ${res.status}, not documented`,
        );
        checked.push(`${method} ${template}`);
      }
    }
    assert.ok(checked.length >= 12, checked.join(', '));
  });
});
