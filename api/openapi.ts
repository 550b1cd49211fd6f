/**
 * The OpenAPI 3.1 document of the API, built from the same zod schemas the routes validate with,
 * so the two cannot drift apart; a test calls every documented operation to prove it exists, and
 * schemathesis checks the API against it. Served at GET /openapi.json, built from the catalog of
 * the moment: a resource's fields list the values the catalog offers.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { issueTokenSchema } from './auth/tokens';
import { HttpError } from './errors';
import { requestStatuses } from '../common/request';
import { networkPermitSchema } from './routes/admin/network-permits';
import { placementRuleSchema } from './routes/admin/placement';
import { settingsSchema } from './routes/admin/settings';
import { inventoryQuerySchema, leaseChangeSchema, ownershipSchema } from './routes/resources';
import { resourceStates } from '../common/lifecycle';
import { decisionSchema } from './routes/approvals';
import { codecBodySchema } from './routes/codec';
import {
  offeringChangeSchema,
  offeringCreateSchema,
  offeringOrderSchema,
  reservedSpecFields,
} from './routes/offerings/schema';
import { inventoryLists } from './routes/inventory';
import { alertmanagerPayloadSchema, DEFAULT_GROUP_LABEL, labelName } from './routes/hooks/schema';
import { scalingGroupChangeSchema, scalingGroupCreateSchema } from './routes/scaling-groups/schema';
import { lastEventIdPattern } from './routes/requests/event-stream';
import {
  dependsOnSchema,
  idempotencyKeySchema,
  idParameter,
  listQuerySchema,
  resourceName,
  resumeSchema,
  submissionSchema,
} from './routes/requests/schema';
import { resourceHandlers, type ResourceHandlerRegistry } from '../resource-handlers';
import type { CatalogSnapshot } from '../resource-handlers/types';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };

/**
 * What the input guard (input-guard.ts) refuses in every string of a request: C0 controls but
 * tab, line feed and carriage return; DEL and the C1 controls; bidirectional overrides and isolates.
 */
const plainText =
  '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$';

/** `schema` with every free string (no pattern, enumeration or constant of its own) held to plainText. */
function plain<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(plain) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, plain(v)])) as Schema;
  if (out.type === 'string' && !('pattern' in out) && !('enum' in out) && !('const' in out))
    out.pattern = plainText;
  return out as T;
}

/** The JSON Schema of what a client sends, held to plainText like the input guard holds it. */
const json = (schema: z.ZodType): Schema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return plain(rest as Schema);
};

/**
 * The request body: the envelope of schema.ts, each resource one of the registered types (a
 * create as its handler documents it, narrowed by `catalog` when given), a delete naming one, or
 * a day-2 change its handler declares.
 */
function submissionDocument(catalog: CatalogSnapshot | undefined, registry: ResourceHandlerRegistry): Schema {
  const envelope = json(submissionSchema);
  const dependsOn = json(dependsOnSchema);
  const creates = registry.all().map((handler) => {
    const input = (
      catalog && handler.documentedInput ? plain(handler.documentedInput(catalog)) : json(handler.input)
    ) as Schema;
    return {
      ...input,
      properties: { ...input.properties, action: { const: 'create', default: 'create' }, dependsOn },
    };
  });
  const remove = {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'action', 'name'],
    properties: {
      type: { enum: registry.types() },
      action: { const: 'delete' },
      name: json(resourceName),
      dependsOn,
    },
  };
  // The day-2 changes each type declares (`update`, `power`), as their handlers write them.
  const changes = registry
    .all()
    .flatMap((handler) => Object.values(handler.changes ?? {}))
    .map((change) => ({ ...json(change.input), description: change.description }));
  // An offering ordered from GET /v1/catalog, expanded by the API into the resource it stands for.
  const order = json(offeringOrderSchema);
  envelope.properties!.resources = {
    ...envelope.properties!.resources,
    items: { oneOf: [...creates, remove, ...changes, order] },
  };
  return envelope;
}

/** The compiled Submission schema of the last catalog seen (the catalog rarely changes). */
let submissionCheck: { catalog: string; validate: ValidateFunction } | undefined;

/** Whether `body` keeps the Submission schema the document shows for `catalog`. */
export function keepsDocumentedSubmission(body: unknown, catalog: CatalogSnapshot): boolean {
  const key = JSON.stringify(catalog);
  if (submissionCheck?.catalog !== key) {
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats(ajv);
    submissionCheck = { catalog: key, validate: ajv.compile(submissionDocument(catalog, resourceHandlers)) };
  }
  return submissionCheck.validate(body);
}

/** A placement cell: the cluster and datastore among those the catalog knows, when given. */
function placementRuleDocument(catalog: CatalogSnapshot | undefined): Schema {
  const rule = json(placementRuleSchema);
  if (!catalog) return rule;
  const p = rule.properties!;
  p.cluster = { ...p.cluster, enum: Object.keys(catalog.clusters).sort() };
  p.datastore = { ...p.datastore, enum: Object.keys(catalog.datastores).sort() };
  return rule;
}

const planStep = {
  type: 'object',
  required: ['id', 'kind', 'needs', 'wave'],
  properties: {
    id: { type: 'string' },
    kind: { enum: ['task', 'template', 'approval', 'wait'] },
    description: { type: 'string' },
    runs: { type: 'string', description: 'the task id or the sub-template `name@version` it runs' },
    needs: { type: 'array', items: { type: 'string' } },
    wave: {
      type: 'integer',
      description: 'steps of one wave run in parallel, once the waves before it ended (what they need)',
    },
    when: {
      type: 'object',
      properties: {
        condition: { type: 'string' },
        holds: { type: ['boolean', 'null'], description: 'null: decided at run time' },
      },
    },
    approval: {
      type: 'object',
      properties: {
        groups: { type: 'array', items: { type: 'string' } },
        timeout: { type: 'string' },
        message: { type: 'string' },
        needed: { type: ['boolean', 'null'] },
      },
    },
    forEach: { type: 'string' },
    undo: { type: 'string' },
    input: { description: 'its input as it will be given, when known now' },
    output: { description: 'for a step the preview runs (a render, a read): its output' },
    atRunTime: { type: 'boolean', description: 'it depends on what only the run knows' },
    steps: {
      type: 'array',
      items: { type: 'object' },
      description: 'for a sub-template step: the steps of the sub-template, planned the same way',
    },
  },
};

/** A request's plan (`POST /v1/requests/preview`, docs/plan-preview.md). */
const planDocument = {
  type: 'object',
  required: ['planHash', 'resources'],
  description:
    'What a submission of the same body would do, by reads only. `planHash` is the SHA-256 of the canonical JSON of `resources` with each provisional value replaced by what it stands on (`<address from NETWORK>`).',
  properties: {
    planHash: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
    resources: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'index',
          'type',
          'action',
          'name',
          'commonFormat',
          'metadata',
          'provisional',
          'template',
          'steps',
          'git',
        ],
        properties: {
          index: { type: 'integer' },
          type: { type: 'string' },
          action: { type: 'string' },
          name: { type: 'string' },
          commonFormat: {
            type: 'object',
            description: "the handler's common format the commit holds (a create) or holds now",
          },
          metadata: { type: 'object' },
          placement: { type: 'object' },
          provisional: {
            type: 'array',
            description: 'values nothing was held for (the address): the run may give others',
            items: {
              type: 'object',
              properties: {
                what: { type: 'string' },
                value: { type: 'string' },
                hashedAs: { type: 'string' },
              },
            },
          },
          template: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              version: { type: 'string' },
              description: { type: 'string' },
              digest: { type: 'string', description: 'the hash of the template and all it reaches' },
            },
          },
          steps: { type: 'array', items: planStep },
          git: {
            type: 'object',
            properties: {
              repository: { type: 'string' },
              files: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    path: { type: 'string' },
                    change: { enum: ['add', 'modify', 'remove'] },
                    diff: { type: 'string', description: 'unified diff against the branch tip' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

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
        details: {
          type: 'object',
          description:
            'What the caller needs to act on the refusal; a `PlanChanged` 409 carries the new `planHash` and `plan` (`fields` name what changed).',
        },
      },
    },
  },
};

/** The error answers `codes`, each the one envelope. */
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

/**
 * The errors of an operation under /v1: its own `codes`, and those every one of them may answer:
 * 400 (a query string with control characters, or a body that does not pass), 401 (no valid
 * token) and 429 (the rate limit, counted before the token).
 */
const v1Errors = (...codes: number[]) => errors(...new Set([400, 401, 429, ...codes].sort((a, b) => a - b)));

const ok = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});

const jsonBody = (schema: Record<string, unknown>) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** The IDs this API gives (`req_…`, `trc_…`); anything else names nothing and is a 404. */
const idSchema = { type: 'string', pattern: idParameter.source };

const requestIdParam = { name: 'id', in: 'path', required: true, schema: idSchema };

const idempotencyKeyParam = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: json(idempotencyKeySchema),
};

/** Where a request's ID leads: the calls a client makes next (OpenAPI links, for generators). */
const requestLinks = {
  ...Object.fromEntries(
    [
      'getRequest',
      'getRequestFile',
      'getRequestLog',
      'getRequestEvents',
      'cancelRequest',
      'rerunRequest',
      'resumeRequest',
      'decideApproval',
    ].map((operationId) => [operationId, { operationId, parameters: { id: '$response.body#/requestId' } }]),
  ),
  getTrace: { operationId: 'getTrace', parameters: { traceId: '$response.body#/traceId' } },
};

/** A submission's answer (202, or 200 when repeated), with its links. */
/** A resource's place in the paths: `{type}/{name}`. */
const resourcePathParams = [
  { name: 'type', in: 'path', required: true, schema: { type: 'string', example: 'virtual_machine' } },
  { name: 'name', in: 'path', required: true, schema: json(resourceName) },
];

const accepted = (description: string) => ({ ...ok(description), links: requestLinks });

function queryParameters(schema: z.ZodObject) {
  const js = json(schema) as { properties: Record<string, unknown> };
  return Object.entries(js.properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
  }));
}

/**
 * What an offering may preset: each resource type's documented input but the fields its orderer
 * gives (name, lease, type), so `spec` is documented as exactly as a resource is.
 */
function offeringSpecDocument(
  catalog: CatalogSnapshot | undefined,
  registry: ResourceHandlerRegistry,
): Schema {
  const presets = registry.all().map((handler) => {
    const input = (
      catalog && handler.documentedInput ? plain(handler.documentedInput(catalog)) : json(handler.input)
    ) as Schema;
    const keep = (k: string) => !reservedSpecFields.includes(k);
    return {
      ...input,
      properties: Object.fromEntries(Object.entries(input.properties ?? {}).filter(([k]) => keep(k))),
      required: ((input.required as string[] | undefined) ?? []).filter(keep),
    };
  });
  return presets.length === 1 ? presets[0]! : { oneOf: presets };
}

const withSpec = (schema: Schema, spec: Schema): Schema => ({
  ...schema,
  properties: { ...schema.properties, spec },
});

const offeringNameParam = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', maxLength: 63 },
};

/**
 * Alertmanager's payload as documented: its own fields only. The hook lets through fields a later
 * Alertmanager may add, but the document promises no more than it reads (a field of any name and
 * content could be one the input guard refuses, like a control character in its name).
 */
function alertmanagerPayloadDocument(): Schema {
  const payload = json(alertmanagerPayloadSchema);
  const alert = (payload.properties!.alerts as Schema & { items: Schema }).items;
  return {
    ...payload,
    additionalProperties: false,
    properties: {
      ...payload.properties,
      alerts: { ...payload.properties!.alerts, items: { ...alert, additionalProperties: false } },
    },
  };
}

/** A scaling group is named like an offering: a DNS label. */
const scalingGroupNameParam = { ...offeringNameParam };

/** A scaling group as the admin routes answer it. */
const scalingGroupDocument = (() => {
  const definition = json(scalingGroupCreateSchema);
  const properties = definition.properties!;
  return {
    ...definition,
    properties: {
      ...properties,
      group: { ...properties.group, type: ['string', 'null'] },
      size: {
        type: 'integer',
        description: 'Live VMs of the group: built or being built, named by `naming`',
      },
      nextIndex: { type: 'integer' },
      lastScaledAt: { type: ['string', 'null'], format: 'date-time' },
    },
    description:
      'The definition, its live size, its numbering, its last scale-out, who created and changed it and when',
    additionalProperties: true,
  };
})();

/** An offering as the catalog and the admin routes show it. */
const offeringDocument = {
  type: 'object',
  required: [
    'name',
    'title',
    'resourceType',
    'spec',
    'defaultLeaseDays',
    'maxLeaseDays',
    'groups',
    'orderSchema',
  ],
  properties: {
    name: { type: 'string', description: 'what an order names (`"offering"`)' },
    title: { type: 'string' },
    description: { type: 'string' },
    resourceType: { type: 'string' },
    spec: { type: 'object', description: "the resource's preset fields" },
    defaultLeaseDays: { type: 'integer' },
    maxLeaseDays: { type: 'integer' },
    groups: {
      type: 'array',
      items: { type: 'string' },
      description: 'who may order it; empty: every requester',
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    retiredAt: { type: ['string', 'null'], format: 'date-time' },
    orderSchema: { type: 'object', description: 'the JSON Schema of an order: what is left to ask' },
    example: { type: 'object', description: 'an order, as a resource of POST /v1/requests' },
  },
};

const str = { type: 'string' };
/** One item of each inventory list (api/routes/inventory). */
const inventoryItemDocuments: Record<keyof typeof inventoryLists, Record<string, unknown>> = {
  networks: {
    type: 'object',
    required: ['name', 'datacenter', 'cidr', 'gateway'],
    properties: {
      name: str,
      datacenter: str,
      cidr: str,
      gateway: str,
      vlan: { type: ['integer', 'null'] },
      dnsDomain: str,
    },
  },
  images: {
    type: 'object',
    required: ['name', 'osType', 'minDiskGb'],
    properties: {
      name: str,
      description: str,
      osType: { enum: ['linux', 'windows'] },
      osFamily: str,
      firmware: { enum: ['bios', 'efi'] },
      minDiskGb: { type: 'integer', description: 'the smallest first disk that holds the image' },
    },
  },
  clusters: {
    type: 'object',
    required: ['name', 'datacenter', 'datastoresAllowed'],
    properties: {
      name: str,
      datacenter: str,
      datastoresAllowed: {
        type: 'array',
        items: str,
        description: 'what the placement matrix allows with it',
      },
    },
  },
  datastores: {
    type: 'object',
    required: ['name', 'datacenter'],
    properties: { name: str, datacenter: str },
  },
};

/**
 * Builds the document; `serverUrl` is the API's public base URL, `catalog` the catalog whose
 * values the resources' fields enumerate (without it, they are described as free values).
 */
export function openApiDocument(
  serverUrl: string,
  catalog?: CatalogSnapshot,
  registry: ResourceHandlerRegistry = resourceHandlers,
): Record<string, unknown> {
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
        Submission: submissionDocument(catalog, registry),
        IssueToken: json(issueTokenSchema),
        RequestStatus: {
          enum: [...requestStatuses],
          description:
            '`cancelling`: a cancellation was asked for and what was built is being undone; it ends `cancelled`. `paused`: a template step failed and the request (submitted with `"onFailure": "pause"`) waits for `POST /v1/requests/{id}/resume` until its deadline, then aborts. The Temporal workflow of a `failed` request ends Failed (failure type `RequestFailed`, its details the same outcome), of a `cancelled` one Canceled, of a `succeeded` one Completed.',
        },
        ApprovalWait: {
          type: 'object',
          required: ['resource', 'stepId', 'groups', 'since', 'deadline'],
          properties: {
            resource: { type: ['string', 'null'], description: 'null: the whole request (step `plan`)' },
            stepId: { type: 'string' },
            groups: { type: 'array', items: { type: 'string' } },
            requester: { type: 'string', description: 'step `plan`: the requester, who may decide it' },
            since: { type: 'string', format: 'date-time' },
            deadline: { type: 'string', format: 'date-time' },
            message: { type: 'string' },
            planHash: { type: 'string', description: 'the plan a decision must be on' },
            previousPlanHash: { type: 'string', description: 'step `plan`: the plan it changed from' },
            changes: {
              type: 'array',
              description: 'step `plan`: what changed, as a 409 `PlanChanged` names it',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' } },
              },
            },
            approve: { type: 'object', description: 'the call that approves it' },
          },
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
        Plan: planDocument,
        Resume: json(resumeSchema),
        Settings: json(settingsSchema),
        SettingsChange: json(settingsSchema.partial()),
        Ownership: json(ownershipSchema),
        OfferingCreate: withSpec(json(offeringCreateSchema), offeringSpecDocument(catalog, registry)),
        OfferingChange: withSpec(json(offeringChangeSchema), offeringSpecDocument(catalog, registry)),
        Offering: offeringDocument,
        ScalingGroupCreate: json(scalingGroupCreateSchema),
        ScalingGroupChange: json(scalingGroupChangeSchema),
        ScalingGroup: scalingGroupDocument,
        AlertmanagerPayload: alertmanagerPayloadDocument(),
        LeaseChange: json(leaseChangeSchema),
        ResourceState: {
          enum: [...resourceStates],
          description:
            '`building` while its creating request runs; `active`; `changing` while a request acts on it; `expiring` once its lease ended and its decommission waits its turn; `removing` while a request removes it; `removed` (its name free again); `failed` when its removal failed. See docs/lifecycle.md.',
        },
        Resource: {
          type: 'object',
          required: ['type', 'name', 'state', 'owner', 'group', 'leaseEnd', 'traceId', 'createdByRequest'],
          properties: {
            type: { type: 'string' },
            name: { type: 'string' },
            state: { $ref: '#/components/schemas/ResourceState' },
            stateChangedAt: { type: 'string', format: 'date-time' },
            owner: { type: 'string' },
            group: { type: ['string', 'null'] },
            managed: { type: 'boolean' },
            leaseEnd: {
              type: ['string', 'null'],
              format: 'date-time',
              description: 'null: it never expires',
            },
            size: {
              type: 'object',
              description:
                'a VM: cpu, memoryMb, disks (GB each), osImage, power (`on`, `off`), as its last change left it',
            },
            placement: {
              type: 'object',
              description: 'a VM: datacenter, cluster, datastore, folder, network, ipv4Address',
            },
            externalIds: { type: 'object', description: 'vm (vCenter), awxJob, tfeRun, tfeWorkspace' },
            commit: { type: ['string', 'null'], description: 'the git commit of its current common format' },
            traceId: { type: 'string', description: 'the trace of the request that created it' },
            createdByRequest: { type: 'string' },
            createdAt: { type: 'string', format: 'date-time' },
            workflowId: {
              type: ['string', 'null'],
              description: 'its resource workflow (lease, queue of actions)',
            },
            links: { type: 'object' },
          },
        },
      },
    },
    paths: {
      '/healthz': {
        get: {
          operationId: 'healthz',
          summary: 'The process is up',
          security: [],
          responses: { 200: ok('up') },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: 'Temporal and PostgreSQL answer and every task queue has a worker',
          security: [],
          responses: { 200: ok('ready'), 503: ok('not ready: the failing check is named') },
        },
      },
      '/metrics': {
        get: {
          operationId: 'getMetrics',
          summary: "This API process's Prometheus metrics (text format)",
          security: [],
          responses: { 200: { description: 'text/plain; version=0.0.4' } },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApiDocument',
          summary: 'This document',
          security: [],
          responses: { 200: ok('the document') },
        },
      },
      ...Object.fromEntries(
        (['encode', 'decode'] as const).map((action) => [
          `/codec/${action}`,
          {
            post: {
              operationId: `codec${action[0]!.toUpperCase()}${action.slice(1)}`,
              summary: `Temporal's remote codec: ${action}s payloads with the payload encryption keys, for the Temporal Web UI and \`temporal --codec-endpoint <api>/codec --codec-auth 'Bearer <token>'\` (operators and admins; 404 when PAYLOAD_ENCRYPTION_KEYS is not set)`,
              parameters: [
                { name: 'X-Namespace', in: 'header', required: false, schema: { type: 'string' } },
              ],
              requestBody: jsonBody(json(codecBodySchema)),
              responses: {
                200: ok(`the payloads ${action}d, in order`, json(codecBodySchema)),
                ...errors(400, 401, 403, 404, 413, 415, 422),
              },
              description:
                '400: the body is not `{payloads: [...]}` with base64 bytes, or X-Namespace names another namespace. 422: a payload cannot be decoded (altered, or sealed with a key not configured).',
            },
          },
        ]),
      ),
      '/v1/system/status': {
        get: {
          operationId: 'getSystemStatus',
          summary:
            'Presence (admins; cached 2 s): workers (identity, host, pid, version, queues polled, slots), API processes, Temporal, PostgreSQL, end systems',
          description:
            "`endSystems`: one entry per end system (`awx`, `tfe`, `vcenter`, `aci`, `smtp`) with `configured`, `url` (no credentials; null when this API process has none), `reachable`, `version` (what the system reports without a log-in: AWX `/api/v2/ping/`, TFE `X-TFE-Version`, vCenter's vSphere API version; null for the APIC and SMTP), `product` (TFE's app name, the SMTP greeting), `error` when unreachable, `lastChecked` and `latencyMs`: the last answers of the background prober of the API process that answers (every 5 s, 3 s timeout).",
          responses: { 200: ok('the status'), ...v1Errors(403) },
        },
      },
      '/v1/requests/preview': {
        post: {
          operationId: 'previewRequest',
          summary:
            'The plan of a submission, nothing recorded, started, allocated or committed (role requester or admin): per resource its common format, placement and provisional address, template steps, rendered variables and git change, and the `planHash` a submission and its approvals are bound to',
          description:
            "The body is a submission's and is refused as a submission would be (400 naming each field, 404, 409, 422); 409 too when the network has no free address now, 503 when a resource's git repository cannot be read. See docs/plan-preview.md.",
          requestBody: jsonBody({ $ref: '#/components/schemas/Submission' }),
          responses: {
            200: ok('the plan', { $ref: '#/components/schemas/Plan' }),
            ...v1Errors(403, 404, 409, 413, 415, 422, 503),
          },
        },
      },
      '/v1/requests': {
        post: {
          operationId: 'submitRequest',
          summary: 'Submit a request (role requester or admin)',
          description:
            'A create may name a `group` of the caller\'s whose members then act on the resource as its owner. A delete (and every later action on a resource) is allowed to the resource\'s owner, its group\'s members and admins; to anyone else the resource does not exist: 404 naming `body.resources.N.name`, as for a name never built. With `planHash` (from `POST /v1/requests/preview`) it is refused with 409 `PlanChanged` when its plan is no longer that one: `fields` name what changed (`plan.resources.0.placement.cluster`), `details` carry the new plan and hash. 409 when it is still being built, when the name of a create is taken, or when another unfinished request is acting on one of its resources (type + name), which the error names, or when it deletes a network that VMs are still on (the error names them). A resource may name others of the request in `dependsOn` (a VM whose `network` is a network of the request does so implicitly): they are built first, independent ones side by side, and one whose dependency failed is not started (state `skipped`). A `dependsOn` name the request does not hold, one two of its resources share, or a cycle is refused (422, or 400 when the body breaks the schema too) at its path, e.g. `body.resources.2.dependsOn.0`. Day-2 changes of a built VM: `{"type": "virtual_machine", "action": "update", "name": …, "cpu"?, "memoryGb"?, "disks"?}` (`disks`: the disks it has at their sizes, then those to add) and `{…, "action": "power", "power": "on" | "off" | "restart"}`, checked as a create is (limits, the image\'s first disk, placement): 422 naming the field when the change breaks a limit, shrinks or drops a disk, changes nothing or asks for the power state the VM is in; 409 when the VM is not `active` (being built, changed, removed, expiring, failed); 404 when it does not exist (docs/lifecycle.md).',
          parameters: [idempotencyKeyParam],
          requestBody: jsonBody({ $ref: '#/components/schemas/Submission' }),
          responses: {
            202: accepted('accepted: request ID, trace ID and links'),
            200: accepted('the first request with this Idempotency-Key (`repeated`: true)'),
            // 404: a resource to act on that does not exist or is not the caller's; 409: a name
            // taken, a resource still being built, or one another unfinished request acts on;
            // 422: a rule no schema states (the disks' total, a lease in the future, what the
            // placement matrix allows, dependsOn naming the request's resources without a cycle),
            // or an Idempotency-Key used before with another body.
            ...v1Errors(403, 404, 409, 413, 415, 422, 503),
          },
        },
        get: {
          operationId: 'listRequests',
          summary: 'List requests, newest first (a requester sees their own)',
          parameters: queryParameters(listQuerySchema),
          responses: { 200: ok('one page and the cursor of the next'), ...v1Errors() },
        },
      },
      '/v1/requests/{id}': {
        get: {
          operationId: 'getRequest',
          summary:
            'A request: status, history, per-resource progress, external IDs, resume decisions (`resumes`: action, by, at), the pause while paused, links',
          parameters: [requestIdParam],
          responses: {
            200: ok('the request', {
              type: 'object',
              properties: {
                status: { $ref: '#/components/schemas/RequestStatus' },
                description: {
                  type: ['string', 'null'],
                  description:
                    "The submission's `description`; a request a hook made names its alert here (alertname, since when, fingerprint, alert group)",
                },
                origin: {
                  type: 'object',
                  description:
                    'Only for a request a hook made: the scaling group, how many VMs, the machine token subject that posted it, the firing (group key, fingerprint, startsAt) and the alert as Alertmanager sent it (labels, annotations, generatorURL, receiver, externalURL)',
                  properties: {
                    hook: { const: 'alertmanager' },
                    scalingGroup: { type: 'string' },
                    vms: { type: 'integer' },
                    by: { type: 'string' },
                    at: { type: 'string', format: 'date-time' },
                    groupKey: { type: 'string' },
                    fingerprint: { type: 'string' },
                    startsAt: { type: 'string' },
                    alert: { type: 'object' },
                  },
                },
                resources: {
                  type: 'array',
                  description:
                    "Each resource: its state, outcome and `progress` (its template's steps: state, attempts, startedAt, endedAt, lastError with the upstream's reason, `externalIds` as soon as known (AWX job, TFE workspace and run, vCenter VM, git commit) and `links` to their pages in the end system), during the run and after it (kept in the ledger).",
                  items: { type: 'object' },
                },
                waiting: {
                  type: 'array',
                  description:
                    'The approval steps waiting now: who may decide (`groups`), since and until when, and the call that decides. A plan changed before the run waits as step `plan` of the whole request (`resource` null), with `requester`, `previousPlanHash` and `changes`.',
                  items: { $ref: '#/components/schemas/ApprovalWait' },
                },
                queued: {
                  type: 'object',
                  description:
                    "Present while the request waits for its turn: at most `limit` of one requester's requests work at once (the admin setting `runningPerRequester`), the others wait in the order they came (docs/waits.md). `running`: the requester's requests working now; `ahead`: theirs queued before this one; `since`: when it began to wait. Its status stays `received` until its turn comes.",
                  required: ['since', 'ahead', 'running', 'limit'],
                  properties: {
                    since: { type: 'string', format: 'date-time' },
                    ahead: { type: 'integer', minimum: 0 },
                    running: { type: 'integer', minimum: 0 },
                    limit: { type: 'integer', minimum: 1 },
                  },
                },
                awaitingApproval: {
                  allOf: [{ $ref: '#/components/schemas/ApprovalWait' }],
                  description:
                    'Present while the plan changed before the run (a template edited since the submission) waits for a decision: its new `planHash`, the `previousPlanHash` and the `changes` (as a 409 `PlanChanged` names them); decided with `POST /v1/requests/{id}/approve` `{"stepId": "plan", "planHash": <the new hash>}` (docs/plan-preview.md)',
                },
                planApprovals: {
                  type: 'array',
                  description:
                    'Each change of the plan found before the run, in order: `planHash`, `previousPlanHash`, `changes`, whether it was `asked` (the submission was bound to a plan) and is `waiting`, who may decide (`requester`, `groups`, admins), `deadline`, and the `decision`.',
                  items: { type: 'object' },
                },
                planHash: {
                  type: ['string', 'null'],
                  description:
                    'the hash of the plan it runs: the one it was submitted with, or the one it was planned again with when that changed before the run',
                },
                plan: {
                  oneOf: [{ $ref: '#/components/schemas/Plan' }, { type: 'null' }],
                  description: 'the plan it runs (see `planHash`): what an approver approves',
                },
                approvals: {
                  type: 'array',
                  description: 'Every approval decision taken: what, by whom, when, as an admin or not.',
                  items: {
                    type: 'object',
                    required: ['resource', 'stepId', 'decision', 'by', 'at', 'asAdmin'],
                    properties: {
                      resource: {
                        type: ['string', 'null'],
                        description: 'null: the changed plan (step `plan`)',
                      },
                      stepId: { type: 'string' },
                      decision: { enum: ['approve', 'reject'] },
                      by: { type: 'string' },
                      at: { type: 'string', format: 'date-time' },
                      asAdmin: { type: 'boolean' },
                      comment: { type: 'string' },
                      planHash: { type: 'string', description: 'the plan the decision was on' },
                    },
                  },
                },
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
            ...v1Errors(404),
          },
        },
      },
      '/v1/requests/{id}/events': {
        get: {
          operationId: 'getRequestEvents',
          summary: "The request's story as it happens, as Server-Sent Events, ending with its outcome",
          description:
            'Events, each with its `id` (the same for every reader: the `seq` the request workflow gave it), its `event` type and as `data` the JSON event `{seq, at, type, data}`: `status` (the request status changed), `step` (a step of a resource changed: state, attempts, times, error, external IDs, approval), `resource` (a resource changed state), `plan` (the plan changed before the run, and its decision: hashes, changes, who decided; docs/plan-preview.md) and `outcome` (the request ended; the stream then closes). A client that reconnects with `Last-Event-ID` gets only what followed. A comment line every 15 s keeps a quiet stream open; a stream open 15 minutes ends, and the client reconnects. Authorised like `GET /v1/requests/{id}`.',
          parameters: [
            requestIdParam,
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              description: 'The id of the last event received; the stream resumes after it.',
              schema: { type: 'string', pattern: lastEventIdPattern.source },
            },
          ],
          responses: {
            200: {
              description: 'the event stream',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...v1Errors(404),
          },
        },
      },
      '/v1/requests/{id}/file': {
        get: {
          operationId: 'getRequestFile',
          summary: 'The request as submitted (the File Store)',
          parameters: [requestIdParam],
          responses: { 200: ok('the submitted JSON'), ...v1Errors(404) },
        },
      },
      '/v1/requests/{id}/log': {
        get: {
          operationId: 'getRequestLog',
          summary:
            "The request's log bundle: every line the API, the workflows, the activities and the end-system calls wrote for it, oldest first, one per line (time, level, process, message, fields as JSON); while it runs, the lines collected so far",
          parameters: [requestIdParam],
          responses: {
            200: {
              description:
                'the lines; `X-Log-Complete: true` once the request ended and its lines were gathered into its file in the File Store',
              headers: { 'X-Log-Complete': { schema: { enum: ['true', 'false'] } } },
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...v1Errors(404),
          },
        },
      },
      '/v1/requests/{id}/rerun': {
        post: {
          operationId: 'rerunRequest',
          summary: 'Re-run a failed or cancelled request: a new request ID, the same trace ID',
          parameters: [requestIdParam, idempotencyKeyParam],
          responses: {
            202: accepted('the new request'),
            200: accepted('the re-run made before (a request is re-run once; `"repeated": true`)'),
            ...v1Errors(403, 404, 409, 422),
          },
          description:
            '409: the request is not failed or cancelled, has no file, or a resource of it is being acted on by another unfinished request (named).',
        },
      },
      '/v1/requests/{id}/resume': {
        post: {
          operationId: 'resumeRequest',
          summary:
            'End the pause of a paused request: `retry` runs the failed step again (a new AWX job or TFE run) and carries on; `abort` undoes what was built and fails it (the requester, an operator or an admin)',
          parameters: [requestIdParam],
          requestBody: jsonBody({ $ref: '#/components/schemas/Resume' }),
          responses: {
            202: ok('the decision, recorded with who and when: action, by, at, resources'),
            ...v1Errors(403, 404, 409, 413, 415),
          },
          description:
            '400: unknown action (`body.action`). 403: neither the requester, an operator nor an admin. 409: the request is not paused. The same as the `resume` update of the request workflow.',
        },
      },
      '/v1/requests/{id}/cancel': {
        post: {
          operationId: 'cancelRequest',
          summary:
            'Cancel a running request; its resources are compensated. It shows `cancelling` until that is done, then `cancelled`',
          parameters: [requestIdParam],
          responses: { 202: ok('cancellation asked'), ...v1Errors(403, 404, 409, 503) },
        },
      },
      '/v1/requests/{id}/approve': {
        post: {
          operationId: 'decideApproval',
          summary:
            "Decide an approval step waiting in the request (role approver in one of the step's groups, or admin: any step, recorded as asAdmin); the requester decides its changed plan (step `plan`)",
          parameters: [requestIdParam],
          description:
            "A decision is on the request's plan (`planHash`, the request's when absent): one on another plan is refused with 409 `PlanChanged`, and a run whose plan differs from the one decided on does not take it. Step `plan`: the plan changed before the run and waits (`awaitingApproval`); its requester, an approver of the new plan's approval groups, or an admin decides it on its new hash. A requester may decide only that step of their own request (403 for another step, 404 for another's request).",
          requestBody: jsonBody(json(decisionSchema)),
          responses: { 200: ok('the decision was taken'), ...v1Errors(403, 404, 409, 413, 415) },
        },
      },
      '/v1/admin/placement': {
        get: {
          operationId: 'getPlacementMatrix',
          summary: 'The placement matrix (admin)',
          responses: { 200: ok('the matrix'), ...v1Errors(403) },
        },
        put: {
          operationId: 'setPlacementRule',
          summary: 'Allow or forbid one cluster × datastore pair and set its weight (admin)',
          requestBody: jsonBody(placementRuleDocument(catalog)),
          responses: { 200: ok('the cell as stored'), ...v1Errors(403, 413, 415) },
        },
      },
      '/v1/admin/network-permits': {
        get: {
          operationId: 'listNetworkPermits',
          summary:
            'Where requests may build networks: tenants, VRFs, subnet ranges and sizes, VMM domains, VLANs (admin)',
          responses: { 200: ok('every permit'), ...v1Errors(403) },
        },
        put: {
          operationId: 'setNetworkPermit',
          summary:
            'Create or replace a network permit by name (admin); a disabled one allows no new network, and networks built under it stay',
          requestBody: jsonBody(json(networkPermitSchema)),
          responses: { 200: ok('the permit as stored'), ...v1Errors(403, 413, 415, 422) },
        },
      },
      '/v1/admin/settings': {
        get: {
          operationId: 'getSettings',
          summary: 'What a request gets when it does not say: onFailure and pauseTimeout (admin)',
          responses: {
            200: ok('the settings', { $ref: '#/components/schemas/Settings' }),
            ...v1Errors(403),
          },
        },
        put: {
          operationId: 'changeSettings',
          summary:
            'Change the default onFailure (`compensate` or `pause`) and the pause timeout (admin); absent fields stay',
          requestBody: jsonBody({ $ref: '#/components/schemas/SettingsChange' }),
          responses: {
            200: ok('the settings in force', { $ref: '#/components/schemas/Settings' }),
            // 422: a pause length in the documented format but under 1 second or over 30 days.
            ...v1Errors(403, 413, 415, 422),
          },
        },
      },
      '/v1/resources': {
        get: {
          operationId: 'listResources',
          summary:
            "The inventory, newest first, paged: what exists (and, with `state=removed`, what was removed); a requester sees their own and their groups', admins all",
          parameters: queryParameters(inventoryQuerySchema),
          responses: {
            200: ok('one page and the cursor of the next', {
              type: 'object',
              properties: {
                resources: { type: 'array', items: { $ref: '#/components/schemas/Resource' } },
                next: { type: ['string', 'null'] },
              },
            }),
            ...v1Errors(),
          },
        },
      },
      '/v1/resources/{type}/{name}': {
        get: {
          operationId: 'getResource',
          summary:
            "One resource (removed ones too) and every request that acted on it since it was created, each with its trace ID; 404 for a resource that is not the caller's, as for one never built",
          parameters: resourcePathParams,
          responses: {
            200: ok('the resource', {
              allOf: [
                { $ref: '#/components/schemas/Resource' },
                {
                  type: 'object',
                  properties: {
                    requests: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          requestId: { type: 'string' },
                          traceId: { type: 'string' },
                          action: { type: 'string' },
                          status: { type: ['string', 'null'] },
                          at: { type: 'string', format: 'date-time' },
                          href: { type: 'string' },
                        },
                      },
                    },
                  },
                },
              ],
            }),
            ...v1Errors(404),
          },
        },
      },
      '/v1/resources/{type}/{name}/lease': {
        post: {
          operationId: 'changeResourceLease',
          summary:
            "Extend or shorten a resource's lease (its owner, its group's members, admins); takes effect at once on its running lease timer",
          description:
            "Within the catalog's maximum lease for the type (the one a create obeys, 365 days in the lab) the change takes effect at once (200). Beyond it: when an admin named a group (setting `leaseApprovalGroup`) the change waits for that group's approval as a request in the resource's trace (202, with the request to follow; approve it with `POST /v1/requests/{id}/approve`, step `approve`), and takes effect when approved; rejected or timed out (`leaseApprovalTimeout`) nothing changes. Without such a group it is refused with 422. A resource whose lease ended (`expiring`) may still be extended until its removal starts. With an `Idempotency-Key` a change waiting for approval is recorded once: the same key and lease end again answer the first request (`repeated`: true), another lease end with it is 422.",
          parameters: [...resourcePathParams, idempotencyKeyParam],
          requestBody: jsonBody({ $ref: '#/components/schemas/LeaseChange' }),
          responses: {
            200: ok('the resource with its new lease', { $ref: '#/components/schemas/Resource' }),
            202: {
              ...ok('beyond the maximum: the request that waits for the approval (Location: the request)', {
                type: 'object',
                required: ['requestId', 'traceId', 'status', 'leaseEnd', 'approvalGroup', 'links'],
                properties: {
                  requestId: { type: 'string' },
                  traceId: { type: 'string' },
                  status: { const: 'received' },
                  leaseEnd: { type: 'string', format: 'date-time' },
                  approvalGroup: { type: 'string' },
                  repeated: {
                    const: true,
                    description: 'the request an earlier call with this Idempotency-Key made',
                  },
                  links: {
                    type: 'object',
                    properties: {
                      request: { type: 'string' },
                      events: { type: 'string' },
                      approve: { type: 'string' },
                      trace: { type: 'string' },
                    },
                  },
                },
              }),
              links: requestLinks,
            },
            // 404: no such resource, or not the caller's; 409: being built or removed, or no
            // resource workflow owns it; 422: a lease end in the past or beyond the maximum.
            ...v1Errors(404, 409, 413, 415, 422),
          },
        },
      },
      '/v1/resources/{type}/{name}/owner': {
        put: {
          operationId: 'transferResourceOwnership',
          summary:
            'Give a resource to another owner and group (admin); the change is recorded with who made it and when',
          parameters: resourcePathParams,
          requestBody: jsonBody({ $ref: '#/components/schemas/Ownership' }),
          responses: {
            200: ok('the resource as owned now', {
              type: 'object',
              properties: {
                type: { type: 'string' },
                name: { type: 'string' },
                state: { $ref: '#/components/schemas/ResourceState' },
                owner: { type: 'string' },
                group: { type: ['string', 'null'] },
                createdByRequest: { type: 'string' },
                ownerChangedBy: { type: 'string' },
                ownerChangedAt: { type: 'string', format: 'date-time' },
              },
            }),
            ...v1Errors(403, 404, 413, 415),
          },
        },
      },
      '/v1/traces/{traceId}': {
        get: {
          operationId: 'getTrace',
          summary: 'Every request of a trace, oldest first',
          parameters: [{ name: 'traceId', in: 'path', required: true, schema: idSchema }],
          responses: { 200: ok('the requests'), ...v1Errors(404) },
        },
      },
      '/v1/catalog': {
        get: {
          operationId: 'getCatalog',
          summary:
            'The standard offerings the caller may order (not retired; naming no group or one of theirs; admins all), each with `orderSchema`, the JSON Schema of what is left to ask, and an example order',
          description:
            'Order one by putting `{"offering": "<name>", "name": "…", "leaseDays": …}` among the `resources` of `POST /v1/requests`: the API expands it into the resource the offering describes and validates it like any other. An unknown, retired or not permitted offering, or a lease beyond the offering\'s maximum, is a 422 naming `body.resources.N.offering` or `.leaseDays`.',
          responses: {
            200: ok('the offerings', {
              type: 'object',
              required: ['offerings'],
              properties: { offerings: { type: 'array', items: { $ref: '#/components/schemas/Offering' } } },
            }),
            ...v1Errors(),
          },
        },
      },
      '/v1/admin/offerings': {
        get: {
          operationId: 'listOfferings',
          summary: 'Every offering, retired ones too (admin)',
          responses: {
            200: ok('the offerings', {
              type: 'object',
              properties: { offerings: { type: 'array', items: { $ref: '#/components/schemas/Offering' } } },
            }),
            ...v1Errors(403),
          },
        },
        post: {
          operationId: 'createOffering',
          summary:
            'Create an offering (admin): a resource type, its preset fields (`spec`: all but the name and lease), the default and longest lease, the groups that may order it (none: every requester)',
          description:
            "422: the preset fields would not be accepted in a request now (each at `body.spec.…`), a lease beyond the resource type's limit, a default lease above the maximum, or a preset name, type, lease or group. 409: the name is taken (retired offerings keep theirs).",
          requestBody: jsonBody({ $ref: '#/components/schemas/OfferingCreate' }),
          responses: {
            201: ok('the offering as stored', { $ref: '#/components/schemas/Offering' }),
            ...v1Errors(403, 409, 413, 415, 422),
          },
        },
      },
      '/v1/admin/offerings/{name}': {
        get: {
          operationId: 'getOffering',
          summary: 'One offering (admin)',
          parameters: [offeringNameParam],
          responses: {
            200: ok('the offering', { $ref: '#/components/schemas/Offering' }),
            ...v1Errors(403, 404),
          },
        },
        put: {
          operationId: 'changeOffering',
          summary:
            'Change an offering (admin): its whole definition but its name; requests already made keep what they ordered',
          parameters: [offeringNameParam],
          requestBody: jsonBody({ $ref: '#/components/schemas/OfferingChange' }),
          responses: {
            200: ok('the offering as stored', { $ref: '#/components/schemas/Offering' }),
            ...v1Errors(403, 404, 413, 415, 422),
          },
        },
      },
      '/v1/admin/offerings/{name}/retire': {
        post: {
          operationId: 'retireOffering',
          summary:
            'Retire an offering (admin): it leaves the catalog and is no longer ordered; it stays readable here, with who retired it and when (retiring again changes nothing)',
          parameters: [offeringNameParam],
          responses: {
            200: ok('the offering, retired', { $ref: '#/components/schemas/Offering' }),
            ...v1Errors(403, 404),
          },
        },
      },
      ...Object.fromEntries(
        Object.keys(inventoryLists).map((kind) => [
          `/v1/inventory/${kind}`,
          {
            get: {
              operationId: `listInventory${kind[0]!.toUpperCase()}${kind.slice(1)}`,
              summary: `The ${kind} a request may name, with the facts a form shows (from the inventory snapshot validation uses)`,
              responses: {
                200: ok(`the ${kind}`, {
                  type: 'object',
                  required: [kind],
                  properties: {
                    [kind]: {
                      type: 'array',
                      items: inventoryItemDocuments[kind as keyof typeof inventoryLists],
                    },
                  },
                }),
                ...v1Errors(),
              },
            },
          },
        ]),
      ),
      '/v1/admin/scaling-groups': {
        get: {
          operationId: 'listScalingGroups',
          summary: 'Every scaling group, with its live size (admin)',
          responses: {
            200: ok('the scaling groups', {
              type: 'object',
              properties: {
                scalingGroups: { type: 'array', items: { $ref: '#/components/schemas/ScalingGroup' } },
              },
            }),
            ...v1Errors(403),
          },
        },
        post: {
          operationId: 'createScalingGroup',
          summary:
            'Define a scaling group (admin): the offering its VMs are built from, the step (VMs per firing alert), the maximum size, the cooldown, the naming (`web-{n}`) and the owner and group of the VMs built',
          description:
            '422: an unknown or retired offering (`body.offering`), one the owner and group may not order (`body.group`), a maximum below the step (`body.maxSize`), a naming whose names would not be DNS labels (`body.naming`). 409: the name is taken.',
          requestBody: jsonBody({ $ref: '#/components/schemas/ScalingGroupCreate' }),
          responses: {
            201: ok('the scaling group as stored', { $ref: '#/components/schemas/ScalingGroup' }),
            ...v1Errors(403, 409, 413, 415, 422),
          },
        },
      },
      '/v1/admin/scaling-groups/{name}': {
        get: {
          operationId: 'getScalingGroup',
          summary: 'One scaling group, with its live size and last scale-out (admin)',
          parameters: [scalingGroupNameParam],
          responses: {
            200: ok('the scaling group', { $ref: '#/components/schemas/ScalingGroup' }),
            ...v1Errors(403, 404),
          },
        },
        put: {
          operationId: 'changeScalingGroup',
          summary: 'Change a scaling group (admin): its whole definition but its name',
          parameters: [scalingGroupNameParam],
          requestBody: jsonBody({ $ref: '#/components/schemas/ScalingGroupChange' }),
          responses: {
            200: ok('the scaling group as stored', { $ref: '#/components/schemas/ScalingGroup' }),
            ...v1Errors(403, 404, 413, 415, 422),
          },
        },
        delete: {
          operationId: 'deleteScalingGroup',
          summary:
            'Delete a scaling group (admin): the VMs it built stay; alerts naming it are refused (422) from now on',
          parameters: [scalingGroupNameParam],
          responses: { 204: { description: 'deleted' }, ...v1Errors(403, 404) },
        },
      },
      '/v1/hooks/alertmanager': {
        post: {
          operationId: 'alertmanagerHook',
          summary:
            "Prometheus Alertmanager's webhook (payload version 4), with a `machine` token: each firing alert whose labels name a scaling group asks for the group's step of VMs, once per firing (alert group, fingerprint, startsAt)",
          description:
            "Alertmanager retries on 5xx only, so: 200 with what became of each alert (`requested`, `duplicate` of a firing already acted on, `cooldown`, `maximum` when decided under the group's lock, `ignored` for a resolved alert or one naming no group); 400 a malformed payload or another version; 401 no valid token; 403 a token of another role (admins too); 422 a firing alert naming an unknown scaling group or one whose step would exceed its maximum, nothing requested for any alert of the notification; 5xx: send again (the firing's record makes it safe). See docs/alertmanager.md.",
          parameters: [
            {
              name: 'groupLabel',
              in: 'query',
              required: false,
              description: `The alert label that names the scaling group (default \`${DEFAULT_GROUP_LABEL}\`)`,
              schema: { ...json(labelName), default: DEFAULT_GROUP_LABEL },
            },
          ],
          requestBody: jsonBody({ $ref: '#/components/schemas/AlertmanagerPayload' }),
          responses: {
            200: ok('what became of each alert, in order', {
              type: 'object',
              required: ['alerts'],
              properties: {
                receiver: { type: 'string' },
                groupKey: { type: 'string' },
                status: { enum: ['firing', 'resolved'] },
                alerts: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['index', 'fingerprint', 'status', 'outcome', 'reason'],
                    properties: {
                      index: { type: 'integer' },
                      fingerprint: { type: 'string' },
                      alertname: { type: 'string' },
                      status: { enum: ['firing', 'resolved'] },
                      scalingGroup: { type: 'string' },
                      outcome: { enum: ['requested', 'duplicate', 'cooldown', 'maximum', 'ignored'] },
                      reason: { type: 'string' },
                      requestId: { type: 'string' },
                      vms: { type: 'integer' },
                      names: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            }),
            ...v1Errors(403, 413, 415, 422, 503),
          },
        },
      },
      '/v1/admin/tokens': {
        post: {
          operationId: 'issueToken',
          summary: 'Issue a token (admin); the secret is shown once',
          requestBody: jsonBody({ $ref: '#/components/schemas/IssueToken' }),
          responses: {
            201: {
              ...ok('the token'),
              links: {
                revokeToken: {
                  operationId: 'revokeToken',
                  parameters: { tokenId: '$response.body#/tokenId' },
                },
              },
            },
            ...v1Errors(403, 413, 415),
          },
        },
        get: {
          operationId: 'listTokens',
          summary: 'List tokens (admin), never their secrets',
          responses: { 200: ok('the tokens'), ...v1Errors(403) },
        },
      },
      '/v1/admin/tokens/{tokenId}': {
        delete: {
          operationId: 'revokeToken',
          summary: 'Revoke a token (admin)',
          parameters: [{ name: 'tokenId', in: 'path', required: true, schema: idSchema }],
          responses: { 204: { description: 'revoked' }, ...v1Errors(403, 404) },
        },
      },
    },
  };
}

/**
 * The methods the document lists for a path (HEAD wherever GET is), as an `Allow` value; undefined
 * for a path it does not have. A path of the document itself wins over a template that also
 * matches it (`/v1/requests/preview` over `/v1/requests/{id}`): the fewer parameters, the more
 * specific.
 */
function documentedMethods(document: Record<string, unknown>): (path: string) => string | undefined {
  const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>).map(
    ([template, operations]) => {
      const methods = Object.keys(operations).map((m) => m.toUpperCase());
      if (methods.includes('GET')) methods.push('HEAD');
      const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+');
      return {
        match: new RegExp(`^${pattern}$`),
        allow: methods.join(', '),
        params: template.split('{').length,
      };
    },
  );
  paths.sort((a, b) => a.params - b.params);
  return (path) => paths.find((p) => p.match.test(path))?.allow;
}

/**
 * Answers OPTIONS on a documented path with exactly the methods the document lists for it (the
 * router alone would also name those of a template the path happens to match).
 */
export function documentedOptions(document: Record<string, unknown>): RequestHandler {
  const allowOf = documentedMethods(document);
  return (req, res, next) => {
    const allow = req.method === 'OPTIONS' ? allowOf(`${req.baseUrl}${req.path}`) : undefined;
    if (!allow) return next();
    res.set('Allow', allow).status(204).end();
  };
}

/**
 * Answers 405 with `Allow` for a path the document has, asked with a method it does not list
 * (HEAD is served wherever GET is); any other request goes on (to the 404).
 */
export function methodNotAllowed(document: Record<string, unknown>): RequestHandler {
  const allowOf = documentedMethods(document);
  return (req, res, next) => {
    const allow = allowOf(req.path);
    if (!allow) return next();
    res.set('Allow', allow);
    next(new HttpError(405, 'MethodNotAllowed', `${req.method} is not served on ${req.path}; use ${allow}`));
  };
}
