/**
 * The bad-input corpus: what a careless or hostile client sends the API. Each entry is refused
 * with a 4xx JSON error envelope naming the field (where there is one) and leaves nothing behind;
 * bad-input.test.ts runs one test per entry against the live API on the shared stack.
 */
import { vm as baseVm } from '../api/api-client';
import { gzipSync } from 'node:zlib';

export interface BadInput {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Default `/v1/requests`. */
  path?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent verbatim (Content-Type JSON unless `headers` says otherwise). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Whose token calls; default a requester. */
  as?: 'requester' | 'approver' | 'admin';
  /** Default 400. */
  status?: number;
  /** The envelope's `error.type`; default InvalidInput for a 400. */
  type?: string;
  /** The field path the envelope must name in `error.fields`. */
  field?: string;
  /** For problems deep inside a value: a path the named field must start with. */
  fieldPrefix?: string;
}

let serial = 0;
const unique = () => `sec-${Date.now().toString(36)}-${++serial}`;

/** One VM as a user writes it, with `overrides` (an undefined value removes the field). */
export function vm(overrides: Record<string, unknown> = {}, name: string = unique()) {
  const fields: Record<string, unknown> = baseVm(name, overrides);
  for (const [k, v] of Object.entries(fields)) if (v === undefined) delete fields[k];
  return fields;
}

const request = (overrides: Record<string, unknown> = {}, name?: string) => ({
  resources: [vm(overrides, name)],
});
const named = (name: string) => request({}, name);
/** One network as a user writes it, in the lab's permit, with `overrides`. */
const network = (overrides: Record<string, unknown> = {}) => ({
  type: 'network',
  name: unique(),
  tenant: 'Lab',
  vrf: 'lab_vrf',
  subnet: `10.30.${200 + (serial % 50)}.0/24`,
  ...overrides,
});
const deep = (levels: number, inner = '0') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Built lazily so each run gets fresh names. */
export function corpus(): BadInput[] {
  return [
    // Malformed JSON.
    { name: 'truncated JSON', raw: '{"resources": [', type: 'MalformedJson' },
    { name: 'JSON followed by garbage', raw: `${JSON.stringify(request())} x`, type: 'MalformedJson' },
    { name: 'single-quoted JSON', raw: "{'resources': []}", type: 'MalformedJson' },
    { name: 'a bare JSON string', raw: '"resources"', type: 'MalformedJson' },
    { name: 'a bare null', raw: 'null', type: 'MalformedJson' },
    { name: 'an empty JSON body', raw: '', field: 'body.resources' },
    { name: 'no body and no Content-Type', raw: undefined, field: 'body' },
    { name: 'an array body', body: [request()], field: 'body' },
    {
      name: 'a duplicated key whose last value is empty',
      raw: `{"resources": ${JSON.stringify(request().resources)}, "resources": []}`,
      field: 'body.resources',
    },
    {
      name: 'a __proto__ key',
      raw: `{"__proto__": {"admin": true}, ${JSON.stringify(request()).slice(1)}`,
      field: 'body.__proto__',
    },
    {
      name: 'a constructor.prototype key',
      body: { ...request(), constructor: { prototype: { admin: true } } },
      field: 'body.constructor',
    },

    // Wrong types.
    { name: 'resources as an object', body: { resources: vm() }, field: 'body.resources' },
    {
      name: 'a resource that is a string',
      body: { resources: ['virtual_machine'] },
      field: 'body.resources.0',
    },
    { name: 'CPU as a string', body: request({ cpu: '2' }), field: 'body.resources.0.cpu' },
    { name: 'CPU as a fraction', body: request({ cpu: 2.5 }), field: 'body.resources.0.cpu' },
    { name: 'memory as a boolean', body: request({ memoryGb: true }), field: 'body.resources.0.memoryGb' },
    {
      name: 'disks as an object',
      body: request({ disks: { sizeGb: 100 } }),
      field: 'body.resources.0.disks',
    },
    {
      name: 'a disk size as null',
      body: request({ disks: [{ sizeGb: null }] }),
      field: 'body.resources.0.disks.0.sizeGb',
    },
    { name: 'managed as a string', body: request({ managed: 'yes' }), field: 'body.resources.0.managed' },
    {
      name: 'a name that is a number',
      body: { resources: [vm({ name: 42 })] },
      field: 'body.resources.0.name',
    },
    {
      name: 'a tag value that is a number',
      body: request({ tags: { team: 7 } }),
      field: 'body.resources.0.tags.team',
    },
    { name: 'notify as a string', body: { ...request(), notify: 'ops@example.test' }, field: 'body.notify' },
    {
      name: 'a description that is an object',
      body: { ...request(), description: { text: 'x' } },
      field: 'body.description',
    },
    {
      name: 'a lease end that is no date',
      body: request({ leaseEnd: 'next tuesday' }),
      field: 'body.resources.0.leaseEnd',
    },

    // Missing and unknown fields.
    { name: 'no resources field', body: { notify: [] }, field: 'body.resources' },
    {
      name: 'a resource without a type',
      body: { resources: [vm({ type: undefined })] },
      field: 'body.resources.0.type',
    },
    {
      name: 'a resource without a name',
      body: { resources: [vm({ name: undefined })] },
      field: 'body.resources.0.name',
    },
    {
      name: 'a VM without an OS image',
      body: request({ osImage: undefined }),
      field: 'body.resources.0.osImage',
    },
    { name: 'a VM without CPU', body: request({ cpu: undefined }), field: 'body.resources.0.cpu' },
    { name: 'an empty disk list', body: request({ disks: [] }), field: 'body.resources.0.disks' },
    { name: 'an unknown top-level field', body: { ...request(), dryRun: false }, field: 'body.dryRun' },
    { name: 'an unknown VM field', body: request({ gpu: 1 }), field: 'body.resources.0.gpu' },
    {
      name: 'an unknown disk field',
      body: request({ disks: [{ sizeGb: 100, thin: true }] }),
      field: 'body.resources.0.disks.0.thin',
    },
    {
      name: 'an unknown placement field',
      body: request({ placement: { host: 'esx-01' } }),
      field: 'body.resources.0.placement.host',
    },
    {
      name: 'a delete carrying VM fields',
      body: { resources: [{ type: 'virtual_machine', action: 'delete', name: unique(), cpu: 64 }] },
      field: 'body.resources.0.cpu',
    },
    { name: 'an unknown action', body: request({ action: 'resize' }), field: 'body.resources.0.action' },
    {
      name: 'a group that is no group name',
      body: request({ group: 'Web Team' }),
      field: 'body.resources.0.group',
    },
    { name: "a group not the requester's", body: request({ group: 'dba' }), field: 'body.resources.0.group' },
    {
      name: 'a delete naming a group',
      body: { resources: [{ type: 'virtual_machine', action: 'delete', name: unique(), group: 'web' }] },
      field: 'body.resources.0.group',
    },
    // An admin's transfer of ownership.
    {
      name: 'a transfer to a subject carrying shell',
      method: 'PUT',
      path: '/v1/resources/virtual_machine/web-01/owner',
      as: 'admin',
      body: { owner: 'bob; rm -rf /' },
      field: 'body.owner',
    },
    {
      name: 'a transfer to a group that is no group name',
      method: 'PUT',
      path: '/v1/resources/virtual_machine/web-01/owner',
      as: 'admin',
      body: { owner: 'bob@example.test', group: '../ops' },
      field: 'body.group',
    },
    {
      name: 'a transfer carrying an unknown field',
      method: 'PUT',
      path: '/v1/resources/virtual_machine/web-01/owner',
      as: 'admin',
      body: { owner: 'bob@example.test', state: 'active' },
      field: 'body.state',
    },
    {
      name: 'a transfer of a resource never built',
      method: 'PUT',
      path: `/v1/resources/virtual_machine/${unique()}/owner`,
      as: 'admin',
      body: { owner: 'bob@example.test' },
      status: 404,
      type: 'NotFound',
      field: 'params.name',
    },
    {
      name: 'a transfer of a name that cannot be one',
      method: 'PUT',
      path: '/v1/resources/virtual_machine/..%2F..%2Fetc/owner',
      as: 'admin',
      body: { owner: 'bob@example.test' },
      status: 404,
      type: 'NotFound',
      field: 'params.name',
    },

    // Values out of range.
    { name: 'zero CPU', body: request({ cpu: 0 }), field: 'body.resources.0.cpu' },
    { name: 'negative memory', body: request({ memoryGb: -8 }), field: 'body.resources.0.memoryGb' },
    {
      name: 'CPU of 1e400 (Infinity once parsed)',
      raw: JSON.stringify(request({ cpu: 1 })).replace('"cpu":1', '"cpu":1e400'),
      field: 'body.resources.0.cpu',
    },
    { name: 'CPU beyond the safe integers', body: request({ cpu: 2 ** 60 }), field: 'body.resources.0.cpu' },
    { name: 'CPU over the limit', body: request({ cpu: 17 }), field: 'body.resources.0.cpu' },
    { name: 'memory over the limit', body: request({ memoryGb: 129 }), field: 'body.resources.0.memoryGb' },
    {
      name: 'a disk over the size limit',
      body: request({ disks: [{ sizeGb: 100 }, { sizeGb: 4096 }] }),
      field: 'body.resources.0.disks.1.sizeGb',
    },
    {
      name: 'too many disks',
      body: request({ disks: Array.from({ length: 9 }, () => ({ sizeGb: 100 })) }),
      field: 'body.resources.0.disks',
    },
    {
      name: 'disks over the total limit',
      body: request({ disks: [{ sizeGb: 2048 }, { sizeGb: 2048 }, { sizeGb: 100 }] }),
      field: 'body.resources.0.disks',
      status: 422,
      type: 'Unprocessable',
    },
    {
      name: 'a first disk too small for its image',
      body: request({ disks: [{ sizeGb: 10 }] }),
      field: 'body.resources.0.disks.0.sizeGb',
    },
    {
      name: 'a lease that ended',
      body: request({ leaseEnd: '2001-01-01T00:00:00Z' }),
      field: 'body.resources.0.leaseEnd',
      status: 422,
      type: 'Unprocessable',
    },
    {
      name: 'a lease beyond its limit',
      body: request({ leaseEnd: future(400) }),
      field: 'body.resources.0.leaseEnd',
      status: 422,
      type: 'Unprocessable',
    },
    { name: 'a name of 64 characters', body: named('a'.repeat(64)), field: 'body.resources.0.name' },

    // Networks: permits, overlaps, names ACI accepts, VMs on networks that are not there.
    {
      name: 'a network overlapping a catalog network',
      body: { resources: [network({ subnet: '10.20.0.0/25' })] },
      field: 'body.resources.0.subnet',
      status: 422,
      type: 'Unprocessable',
    },
    {
      name: 'a network outside the permitted ranges',
      body: { resources: [network({ subnet: '172.16.0.0/24' })] },
      field: 'body.resources.0.subnet',
      status: 422,
      type: 'Unprocessable',
    },
    {
      name: 'a network in a tenant not permitted',
      body: { resources: [network({ tenant: 'common' })] },
      field: 'body.resources.0.tenant',
    },
    {
      name: 'a network name ACI refuses',
      body: { resources: [network({ name: 'web net!' })] },
      field: 'body.resources.0.name',
    },
    {
      name: 'a VM on a network neither existing nor in the request',
      body: request({ network: 'nowhere-net' }),
      field: 'body.resources.0.network',
    },
    {
      name: 'a description over 2000 characters',
      body: { ...request(), description: 'd'.repeat(2001) },
      field: 'body.description',
    },
    {
      name: 'more than 1000 resources',
      body: { resources: Array.from({ length: 1001 }, () => vm()) },
      field: 'body.resources',
    },
    {
      name: 'more than 50 people to notify',
      body: { ...request(), notify: Array.from({ length: 51 }, (_, i) => `p${i}@example.test`) },
      field: 'body.notify',
    },

    // Huge bodies and huge arrays.
    {
      name: 'a body over the size limit',
      raw: JSON.stringify({ ...request(), description: 'x'.repeat(300_000) }),
      status: 413,
      type: 'PayloadTooLarge',
    },
    {
      name: 'a gzip body that inflates past the size limit',
      raw: gzipSync(Buffer.from(JSON.stringify({ ...request(), description: ' '.repeat(5_000_000) }))),
      headers: { 'content-encoding': 'gzip' },
      status: 413,
      type: 'PayloadTooLarge',
    },
    {
      name: 'a valid-size body with 15,000 disks',
      body: request({ disks: Array.from({ length: 15_000 }, () => ({ sizeGb: 10 })) }),
      field: 'body.resources.0.disks',
    },
    {
      name: 'a valid-size body with 5,000 broken resources',
      body: { resources: Array.from({ length: 5_000 }, () => ({ type: 'virtual_machine' })) },
      field: 'body.resources',
    },
    {
      name: '200 resources with every field wrong',
      body: {
        resources: Array.from({ length: 200 }, () => ({
          type: 'Bad Type!',
          name: 'Bad Name!',
          action: 'explode',
        })),
      },
      field: 'body.resources.0.type',
    },
    {
      name: '200 VMs with every value wrong',
      body: {
        resources: Array.from({ length: 200 }, (_, i) =>
          vm(
            {
              osImage: 'nope',
              network: 'nope',
              cpu: -1,
              memoryGb: -1,
              disks: [{ sizeGb: -1 }],
              tags: { '!': 1 },
              extra: 1,
            },
            `bad-${i}`,
          ),
        ),
      },
      field: 'body.resources.0.cpu',
    },
    {
      name: 'a valid-size body with 20,000 notify entries',
      body: { ...request(), notify: Array.from({ length: 20_000 }, () => 'x') },
      field: 'body.notify',
    },

    // Deep nesting.
    { name: '10,000 nested arrays as the body', raw: deep(10_000), fieldPrefix: 'body.0.0' },
    {
      name: '10,000 nested arrays in a VM field',
      raw: JSON.stringify(request({ gpu: 0 })).replace('"gpu":0', `"gpu":${deep(10_000)}`),
      fieldPrefix: 'body.resources.0.gpu.0',
    },
    {
      name: '100,000 nested arrays in the description',
      raw: `{"resources":[],"description":${deep(100_000)}}`,
      fieldPrefix: 'body.description.0',
    },
    {
      name: '5,000 nested objects in a tag',
      raw: JSON.stringify(request({ tags: 0 })).replace(
        '"tags":0',
        `"tags":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
      ),
      fieldPrefix: 'body.resources.0.tags.a.a',
    },

    // Odd unicode.
    {
      name: 'a name with a right-to-left override',
      body: named('web\u202egpj-exe'),
      field: 'body.resources.0.name',
    },
    { name: 'a name with a zero-width space', body: named('web\u200b01'), field: 'body.resources.0.name' },
    { name: 'a name with a NUL', body: named('web\u000001'), field: 'body.resources.0.name' },
    {
      name: 'a name with a lone surrogate',
      raw: JSON.stringify(named('webXX01')).replace('XX', '\\ud800'),
      field: 'body.resources.0.name',
    },
    { name: 'a name with an emoji', body: named('web-\u{1f680}'), field: 'body.resources.0.name' },
    {
      name: 'a name in full-width letters',
      body: named('\uff57\uff45\uff42'),
      field: 'body.resources.0.name',
    },
    {
      name: 'a description with a NUL',
      body: { ...request(), description: 'before\u0000after' },
      field: 'body.description',
    },
    {
      name: 'a description with a lone surrogate',
      raw: JSON.stringify({ ...request(), description: 'aXXb' }).replace('XX', '\\udc00'),
      field: 'body.description',
    },
    {
      name: 'a description with a right-to-left override',
      body: { ...request(), description: 'approved \u202edenied' },
      field: 'body.description',
    },
    {
      name: 'a tag value with a NUL',
      body: request({ tags: { team: 'a\u0000b' } }),
      field: 'body.resources.0.tags.team',
    },
    {
      name: 'a tag name with an emoji',
      body: request({ tags: { '\u{1f525}': 'hot' } }),
      field: 'body.resources.0.tags.\u{1f525}',
    },

    // Injection strings in names.
    { name: 'a name carrying shell', body: named('web$(reboot)'), field: 'body.resources.0.name' },
    { name: 'a name carrying a backtick', body: named('web`id`'), field: 'body.resources.0.name' },
    { name: 'a name carrying a newline', body: named('web\nrm -rf /'), field: 'body.resources.0.name' },
    {
      name: 'a name with path traversal',
      body: named('../../../etc/passwd'),
      field: 'body.resources.0.name',
    },
    {
      name: 'a name with an encoded traversal',
      body: named('..%2f..%2fetc'),
      field: 'body.resources.0.name',
    },
    {
      name: 'a name with a backslash traversal',
      body: named('..\\..\\windows'),
      field: 'body.resources.0.name',
    },
    {
      name: 'a name that is a git option',
      body: named('--upload-pack=touch'),
      field: 'body.resources.0.name',
    },
    { name: 'a name that is a git ref expression', body: named('main@{-1}'), field: 'body.resources.0.name' },
    {
      name: 'a name that is a git refspec',
      body: named('+refs/heads/main:refs/heads/x'),
      field: 'body.resources.0.name',
    },
    { name: 'a name that is .git', body: named('.git'), field: 'body.resources.0.name' },
    { name: 'a name carrying SQL', body: named("x' OR '1'='1"), field: 'body.resources.0.name' },
    {
      name: 'a network carrying SQL',
      body: request({ network: "INTRANET_DEV' OR '1'='1" }),
      field: 'body.resources.0.network',
    },
    {
      name: 'an OS image with path traversal',
      body: request({ osImage: '../rhel9' }),
      field: 'body.resources.0.osImage',
    },
    {
      name: 'a resource type with path traversal',
      body: { resources: [vm({ type: '../virtual_machine' })] },
      field: 'body.resources.0.type',
    },
    {
      name: 'a notify address carrying a header',
      body: { ...request(), notify: ['a@example.test\r\nBcc: all@example.test'] },
      field: 'body.notify.0',
    },
    {
      name: 'a VM notify address carrying a header',
      body: request({ notify: ['a@example.test\nBcc: all@example.test'] }),
      field: 'body.resources.0.notify.0',
    },

    // Unknown types, networks, images, placements.
    {
      name: 'an unknown resource type',
      body: { resources: [{ type: 'kubernetes_cluster', name: unique() }] },
      field: 'body.resources.0.type',
    },
    {
      name: 'a resource type in capitals',
      body: { resources: [vm({ type: 'Virtual_Machine' })] },
      field: 'body.resources.0.type',
    },
    {
      name: 'an unknown network',
      body: request({ network: 'DMZ_SECRET' }),
      field: 'body.resources.0.network',
    },
    {
      name: 'a network in the wrong case',
      body: request({ network: 'intranet_dev' }),
      field: 'body.resources.0.network',
    },
    {
      name: 'an unknown OS image',
      body: request({ osImage: 'windows95' }),
      field: 'body.resources.0.osImage',
    },
    {
      name: 'an unknown cluster',
      body: request({ placement: { cluster: 'CL-GHOST' } }),
      field: 'body.resources.0.placement.cluster',
    },
    {
      name: 'an unknown datastore',
      body: request({ placement: { datastore: 'DS-GHOST' } }),
      field: 'body.resources.0.placement.datastore',
    },
    {
      name: 'a placement the matrix forbids',
      body: request({ placement: { cluster: 'CL-DEV-01', datastore: 'NFS-ISO' } }),
      field: 'body.resources.0.placement',
      status: 422,
      type: 'Unprocessable',
    },
    {
      name: 'a delete of a VM never built',
      body: { resources: [{ type: 'virtual_machine', action: 'delete', name: unique() }] },
      field: 'body.resources.0.name',
      status: 404,
      type: 'NotFound',
    },

    // Duplicates.
    (() => {
      const name = unique();
      return {
        name: 'two VMs with one name',
        body: { resources: [vm({}, name), vm({ cpu: 4 }, name)] },
        field: 'body.resources.1.name',
        status: 422,
        type: 'Unprocessable',
      };
    })(),
    (() => {
      const name = unique();
      return {
        name: 'the third of three VMs repeating the first name',
        body: { resources: [vm({}, name), vm({}, unique()), vm({}, name)] },
        field: 'body.resources.2.name',
        status: 422,
        type: 'Unprocessable',
      };
    })(),

    // Content types.
    {
      name: 'a text/plain body',
      raw: JSON.stringify(request()),
      headers: { 'content-type': 'text/plain' },
      status: 415,
      type: 'UnsupportedMediaType',
    },
    {
      name: 'a form-encoded body',
      raw: 'resources[0][type]=virtual_machine&resources[0][name]=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      type: 'UnsupportedMediaType',
    },
    {
      name: 'a multipart body',
      raw: '--b\r\nContent-Disposition: form-data; name="resources"\r\n\r\n[]\r\n--b--',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      status: 415,
      type: 'UnsupportedMediaType',
    },
    {
      name: 'JSON in an unsupported charset',
      raw: JSON.stringify(request()),
      headers: { 'content-type': 'application/json; charset=utf-7' },
      status: 415,
    },
    {
      name: 'an unsupported content encoding',
      raw: JSON.stringify(request()),
      headers: { 'content-encoding': 'compress' },
      status: 415,
    },

    // Query strings.
    {
      name: 'a status filter as an array',
      method: 'GET',
      path: '/v1/requests?status[]=failed',
      field: 'query.status[]',
    },
    {
      name: 'a status filter repeated',
      method: 'GET',
      path: '/v1/requests?status=failed&status=running',
      field: 'query.status',
    },
    {
      name: 'a filter as an object',
      method: 'GET',
      path: '/v1/requests?requester[$ne]=nobody',
      field: 'query.requester[$ne]',
    },
    { name: 'a limit over 200', method: 'GET', path: '/v1/requests?limit=1e3', field: 'query.limit' },
    { name: 'a negative limit', method: 'GET', path: '/v1/requests?limit=-1', field: 'query.limit' },
    {
      name: 'a limit that is no number',
      method: 'GET',
      path: '/v1/requests?limit=ten',
      field: 'query.limit',
    },
    { name: 'an unknown filter', method: 'GET', path: '/v1/requests?owner=me', field: 'query.owner' },
    {
      name: 'a cursor not of the form the API gives',
      method: 'GET',
      path: `/v1/requests?cursor=${Buffer.from('{"createdAt":"x; DROP TABLE requests"}').toString('base64url')}`,
      field: 'query.cursor',
    },
    {
      name: 'a status filter carrying SQL',
      method: 'GET',
      path: `/v1/requests?status=${encodeURIComponent("failed' OR '1'='1")}`,
      field: 'query.status',
    },

    {
      name: 'a trace filter with a NUL',
      method: 'GET',
      path: '/v1/requests?trace=trc%00x',
      field: 'query.trace',
    },
    {
      name: 'a requester filter with a NUL',
      as: 'admin',
      method: 'GET',
      path: '/v1/requests?requester=a%00b',
      field: 'query.requester',
    },

    // Path parameters.
    {
      name: 'a request ID with a NUL',
      method: 'GET',
      path: '/v1/requests/req%00x',
      status: 404,
      type: 'NotFound',
    },
    {
      name: 'a request ID that is not UTF-8',
      method: 'GET',
      path: '/v1/requests/%ff%fe',
      status: 400,
      type: 'BadRequest',
    },
    {
      name: 'a request ID with an encoded traversal',
      method: 'GET',
      path: '/v1/requests/..%2F..%2Fadmin%2Ftokens',
      status: 404,
      type: 'NotFound',
    },
    {
      name: 'a cancel of a request ID with a NUL',
      method: 'POST',
      path: '/v1/requests/req%00x/cancel',
      status: 404,
      type: 'NotFound',
    },
    {
      name: 'a trace ID with a NUL',
      method: 'GET',
      path: '/v1/traces/trc%00x',
      status: 404,
      type: 'NotFound',
    },
    {
      name: 'a request ID of 10,000 characters',
      method: 'GET',
      path: `/v1/requests/req_${'A'.repeat(10_000)}`,
      status: 404,
      type: 'NotFound',
    },

    {
      name: 'an approval of a request ID with a NUL',
      as: 'approver',
      method: 'POST',
      path: '/v1/requests/req%00x/approve',
      body: { stepId: 'capacity', decision: 'approve' },
      status: 404,
      type: 'NotFound',
    },
    {
      name: 'a token revocation with a NUL',
      as: 'admin',
      method: 'DELETE',
      path: '/v1/admin/tokens/tok%00x',
      status: 404,
      type: 'NotFound',
    },
    {
      name: 'a placement rule with a NUL',
      as: 'admin',
      method: 'PUT',
      path: '/v1/admin/placement',
      body: { cluster: 'CL-DEV-01\u0000', datastore: 'DS-DEV-01', allowed: false },
      field: 'body.cluster',
    },
    {
      name: 'a token issued for a subject with a NUL',
      as: 'admin',
      path: '/v1/admin/tokens',
      body: { subject: 'a\u0000@example.test', role: 'admin' },
      field: 'body.subject',
    },

    // Idempotency-Key.
    {
      name: 'an Idempotency-Key of 201 characters',
      body: request(),
      headers: { 'idempotency-key': 'k'.repeat(201) },
      field: 'headers.idempotency-key',
    },
    {
      name: 'an Idempotency-Key with spaces',
      body: request(),
      headers: { 'idempotency-key': 'my key' },
      field: 'headers.idempotency-key',
    },
    {
      name: 'an Idempotency-Key with a tab',
      body: request(),
      headers: { 'idempotency-key': 'my\tkey' },
      field: 'headers.idempotency-key',
    },
    {
      name: 'an Idempotency-Key in Latin-1',
      body: request(),
      headers: { 'idempotency-key': 'cl\u00e9' },
      field: 'headers.idempotency-key',
    },
    {
      name: 'a valid Idempotency-Key on an invalid body',
      body: request({ cpu: 99 }),
      headers: { 'idempotency-key': unique() },
      field: 'body.resources.0.cpu',
    },
  ];
}
