import assert from 'node:assert/strict';
import http from 'node:http';
import { getStack } from '../../harness/stack';
import { startTestApi, type TestApi } from './api-client';

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, { links?: Record<string, { operationId: string; parameters: object }> }>;
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

  it('lists 400, 401 and 429 on every /v1 operation', () => {
    for (const [template, operations] of Object.entries(doc.paths)) {
      if (!template.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(operations))
        for (const code of ['400', '401', '429'])
          assert.ok(code in op.responses, `${method} ${template} does not document ${code}`);
    }
  });

  it('links a submission to its follow-up calls and a token to its revocation', () => {
    const operationIds = new Set(
      Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId)),
    );
    const submit = doc.paths['/v1/requests']!.post!;
    for (const status of ['202', '200']) {
      const links = submit.responses[status]!.links!;
      for (const id of ['getRequest', 'getRequestFile', 'cancelRequest', 'rerunRequest']) {
        assert.equal(links[id]?.operationId, id, `${status} links to ${id}`);
        assert.deepEqual(links[id]!.parameters, { id: '$response.body#/requestId' });
      }
      for (const link of Object.values(links))
        assert.ok(operationIds.has(link.operationId), link.operationId);
    }
    assert.deepEqual(doc.paths['/v1/admin/tokens']!.post!.responses['201']!.links, {
      revokeToken: { operationId: 'revokeToken', parameters: { tokenId: '$response.body#/tokenId' } },
    });
  });

  it('enumerates in the submission schema what the catalog offers', async () => {
    const text = JSON.stringify((doc as unknown as { components: unknown }).components);
    for (const value of ['"virtual_machine"', '"rhel9"', '"INTRANET_DEV"', '"CL-DEV-01"', '"DS-DEV-01"'])
      assert.ok(text.includes(value), value);
  });

  /** A call by node:http, which sends TRACE (fetch refuses to). */
  const rawCall = (method: string, path: string) =>
    new Promise<{ status: number; allow?: string; body: string }>((resolve, reject) => {
      const req = http.request(
        `${api.baseUrl}${path}`,
        { method, headers: { authorization: `Bearer ${admin}` } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, allow: res.headers.allow, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('answers a method a known path does not serve with 405 and Allow', async () => {
    for (const [path, allow] of [
      ['/v1/requests', 'POST, GET, HEAD'],
      ['/v1/requests/req_01JD2Y8J3E5Q6W7X8Y9Z0ABCDE/cancel', 'POST'],
      ['/healthz', 'GET, HEAD'],
    ] as const) {
      for (const method of ['TRACE', 'PATCH']) {
        const res = await rawCall(method, path);
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(res.allow, allow);
        assert.equal(JSON.parse(res.body).error.type, 'MethodNotAllowed');
      }
    }
    assert.equal((await rawCall('TRACE', '/v1/nowhere')).status, 404);
  });
});
