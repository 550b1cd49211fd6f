/**
 * The OpenAPI 3.1 document of the API, built from the same zod schemas the routes validate with,
 * so the two cannot drift apart; a test calls every documented operation to prove it exists.
 * Served at GET /openapi.json.
 */
import { z } from 'zod';
import { issueTokenSchema } from './auth/tokens';
import { requestStatuses } from '../common/request';
import { placementRuleSchema } from './routes/admin/placement';
import { settingsSchema } from './routes/admin/settings';
import { ownershipSchema } from './routes/resources';
import {
  idempotencyKeySchema,
  listQuerySchema,
  resumeSchema,
  submissionSchema,
} from './routes/requests/schema';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

const errorEnvelope = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message'],
      properties: {
        type: {
          type: 'string',
          description: 'InvalidInput, Unauthorized, Forbidden, NotFound, Conflict, RateLimited, …',
        },
        message: { type: 'string' },
        fields: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: {
              path: { type: 'string', example: 'body.resources.0.cpu' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description: `error ${c}`,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );

const ok = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});

const requestIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^req_' },
};

function queryParameters(schema: z.ZodObject) {
  const js = json(schema) as { properties: Record<string, unknown> };
  return Object.entries(js.properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
  }));
}

/** Builds the document; `serverUrl` is the API's public base URL. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Orchestrator of Orchestrators API',
      version: '1.0.0',
      description:
        'Submit declarative infrastructure requests and follow them. Every /v1 call needs `Authorization: Bearer <token>`; bodies are JSON in UTF-8 (415 otherwise). Errors are one JSON envelope naming the fields at fault.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: errorEnvelope,
        Submission: json(submissionSchema),
        IssueToken: json(issueTokenSchema),
        RequestStatus: {
          enum: [...requestStatuses],
          description:
            '`paused`: a template step failed and the request (submitted with `"onFailure": "pause"`) waits for `POST /v1/requests/{id}/resume` until its deadline, then aborts. The Temporal workflow of a `failed` request ends Failed (failure type `RequestFailed`, its details the same outcome), of a `cancelled` one Canceled, of a `succeeded` one Completed.',
        },
        Pause: {
          type: 'object',
          description: 'While `status` is `paused` (`GET /v1/requests/{id}` field `pause`).',
          properties: {
            paused: {
              type: 'array',
              items: {
                type: 'object',
                required: ['resource', 'stepId', 'error', 'pausedAt', 'deadline'],
                properties: {
                  resource: { type: 'string' },
                  stepId: { type: 'string', description: 'the step that failed, run again by a retry' },
                  error: {
                    type: 'object',
                    description:
                      "the upstream's reason: the AWX job's failed task and last output lines, the TFE plan's or apply's Error lines, vCenter's or ACI's error code and message",
                    properties: {
                      message: { type: 'string' },
                      type: { type: 'string' },
                      externalId: { type: 'string' },
                    },
                  },
                  pausedAt: { type: 'string', format: 'date-time' },
                  deadline: {
                    type: 'string',
                    format: 'date-time',
                    description: 'no decision by then aborts',
                  },
                },
              },
            },
            waysOut: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  action: { enum: ['retry', 'abort'] },
                  method: { const: 'POST' },
                  href: { type: 'string' },
                  body: { type: 'object' },
                  does: { type: 'string' },
                },
              },
            },
            onTimeout: { const: 'abort' },
          },
        },
        Resume: json(resumeSchema),
        Settings: json(settingsSchema),
        SettingsChange: json(settingsSchema.partial()),
        Ownership: json(ownershipSchema),
      },
    },
    paths: {
      '/healthz': { get: { summary: 'The process is up', security: [], responses: { 200: ok('up') } } },
      '/readyz': {
        get: {
          summary: 'Temporal and PostgreSQL answer and every task queue has a worker',
          security: [],
          responses: { 200: ok('ready'), 503: ok('not ready: the failing check is named') },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { 200: ok('the document') } },
      },
      '/v1/requests': {
        post: {
          summary: 'Submit a request (role requester or admin)',
          description:
            "A create may name a `group` of the caller's whose members then act on the resource as its owner. A delete (and every later action on a resource) is allowed to the resource's owner, its group's members and admins; to anyone else the resource does not exist: 404 naming `body.resources.N.name`, as for a name never built. 409 when it is still being built, or when another unfinished request is acting on one of its resources (type + name), which the error names.",
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: json(idempotencyKeySchema) },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Submission' } } },
          },
          responses: {
            202: ok('accepted: request ID, trace ID and links'),
            200: ok('the first request with this Idempotency-Key (`"repeated": true`)'),
            ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429),
          },
        },
        get: {
          summary: 'List requests, newest first (a requester sees their own)',
          parameters: queryParameters(listQuerySchema),
          responses: { 200: ok('one page and the cursor of the next'), ...errors(400, 401) },
        },
      },
      '/v1/requests/{id}': {
        get: {
          summary:
            'A request: status, history, per-resource progress, external IDs, resume decisions (`resumes`: action, by, at), the pause while paused, links',
          parameters: [requestIdParam],
          responses: {
            200: ok('the request', {
              type: 'object',
              properties: {
                status: { $ref: '#/components/schemas/RequestStatus' },
                pause: { $ref: '#/components/schemas/Pause' },
                resumes: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      action: { enum: ['retry', 'abort'] },
                      by: { type: 'string' },
                      at: { type: 'string' },
                    },
                  },
                },
              },
            }),
            ...errors(401, 404),
          },
        },
      },
      '/v1/requests/{id}/file': {
        get: {
          summary: 'The request as submitted (the File Store)',
          parameters: [requestIdParam],
          responses: { 200: ok('the submitted JSON'), ...errors(401, 404) },
        },
      },
      '/v1/requests/{id}/rerun': {
        post: {
          summary: 'Re-run a failed or cancelled request: a new request ID, the same trace ID',
          parameters: [
            requestIdParam,
            { name: 'Idempotency-Key', in: 'header', required: false, schema: json(idempotencyKeySchema) },
          ],
          responses: {
            202: ok('the new request'),
            200: ok('the re-run made before (a request is re-run once; `"repeated": true`)'),
            ...errors(400, 401, 403, 404, 409),
          },
          description:
            '409: the request is not failed or cancelled, has no file, or a resource of it is being acted on by another unfinished request (named).',
        },
      },
      '/v1/requests/{id}/resume': {
        post: {
          summary:
            'End the pause of a paused request: `retry` runs the failed step again (a new AWX job or TFE run) and carries on; `abort` undoes what was built and fails it (the requester, an operator or an admin)',
          parameters: [requestIdParam],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Resume' } } },
          },
          responses: {
            202: ok('the decision, recorded with who and when: action, by, at, resources'),
            ...errors(400, 401, 403, 404, 409, 413, 415),
          },
          description:
            '400: unknown action (`body.action`). 403: neither the requester, an operator nor an admin. 409: the request is not paused. The same as the `resume` update of the request workflow.',
        },
      },
      '/v1/requests/{id}/cancel': {
        post: {
          summary: 'Cancel a running request; its resources are compensated',
          parameters: [requestIdParam],
          responses: { 202: ok('cancellation asked'), ...errors(401, 403, 404, 409, 503) },
        },
      },
      '/v1/requests/{id}/approve': {
        post: {
          summary:
            "Decide an approval step waiting in the request (role approver in one of the step's groups, or admin: any step, recorded as asAdmin)",
          parameters: [requestIdParam],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['stepId', 'decision'],
                  additionalProperties: false,
                  properties: {
                    stepId: { type: 'string' },
                    decision: { enum: ['approve', 'reject'] },
                    comment: { type: 'string', maxLength: 2000 },
                  },
                },
              },
            },
          },
          responses: { 200: ok('the decision was taken'), ...errors(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      '/v1/admin/placement': {
        get: {
          summary: 'The placement matrix (admin)',
          responses: { 200: ok('the matrix'), ...errors(401, 403) },
        },
        put: {
          summary: 'Allow or forbid one cluster × datastore pair and set its weight (admin)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: json(placementRuleSchema) } },
          },
          responses: { 200: ok('the cell as stored'), ...errors(400, 401, 403, 413, 415) },
        },
      },
      '/v1/admin/settings': {
        get: {
          summary: 'What a request gets when it does not say: onFailure and pauseTimeout (admin)',
          responses: {
            200: ok('the settings', { $ref: '#/components/schemas/Settings' }),
            ...errors(401, 403),
          },
        },
        put: {
          summary:
            'Change the default onFailure (`compensate` or `pause`) and the pause timeout (admin); absent fields stay',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/SettingsChange' } } },
          },
          responses: {
            200: ok('the settings in force', { $ref: '#/components/schemas/Settings' }),
            ...errors(400, 401, 403, 413, 415),
          },
        },
      },
      '/v1/resources/{type}/{name}/owner': {
        put: {
          summary:
            'Give a resource to another owner and group (admin); the change is recorded with who made it and when',
          parameters: [
            {
              name: 'type',
              in: 'path',
              required: true,
              schema: { type: 'string', example: 'virtual_machine' },
            },
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Ownership' } } },
          },
          responses: {
            200: ok('the resource as owned now', {
              type: 'object',
              properties: {
                type: { type: 'string' },
                name: { type: 'string' },
                state: { enum: ['building', 'active'] },
                owner: { type: 'string' },
                group: { type: ['string', 'null'] },
                createdByRequest: { type: 'string' },
                ownerChangedBy: { type: 'string' },
                ownerChangedAt: { type: 'string', format: 'date-time' },
              },
            }),
            ...errors(400, 401, 403, 404, 413, 415),
          },
        },
      },
      '/v1/traces/{traceId}': {
        get: {
          summary: 'Every request of a trace, oldest first',
          parameters: [{ name: 'traceId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: ok('the requests'), ...errors(401, 404) },
        },
      },
      '/v1/admin/tokens': {
        post: {
          summary: 'Issue a token (admin); the secret is shown once',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/IssueToken' } } },
          },
          responses: { 201: ok('the token'), ...errors(400, 401, 403, 413, 415) },
        },
        get: {
          summary: 'List tokens (admin), never their secrets',
          responses: { 200: ok('the tokens'), ...errors(401, 403) },
        },
      },
      '/v1/admin/tokens/{tokenId}': {
        delete: {
          summary: 'Revoke a token (admin)',
          parameters: [{ name: 'tokenId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 204: { description: 'revoked' }, ...errors(401, 403, 404) },
        },
      },
    },
  };
}
