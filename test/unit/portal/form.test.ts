/**
 * The portal's generated VM form: the controls the resource type's schema calls for, the JSON a
 * submitted form stands for, and the API's field problems landing at the form's fields.
 */
import assert from 'node:assert/strict';
import { openApiDocument } from '../../../api/openapi';
import { fieldErrorsOf } from '../../../api/portal/client';
import { formJson, schemaFields, type JsonSchema } from '../../../api/portal/form';
import { html } from '../../../api/portal/html';
import { labCatalog } from '../../../resource-handlers/store';

const doc = openApiDocument('http://api.test', labCatalog()) as {
  components: { schemas: { Submission: { properties: { resources: { items: { oneOf: JsonSchema[] } } } } } };
};
const vmSchema = doc.components.schemas.Submission.properties.resources.items.oneOf.find(
  (s) => s.properties?.type?.const === 'virtual_machine' && s.properties.osImage,
)!;

describe('portal: the VM form generated from its schema', () => {
  it('offers the inventory’s choices, the limits, and a labelled input per disk', () => {
    const markup = schemaFields(vmSchema, {}, {}).markup;
    for (const expected of [
      '<option value="INTRANET_DEV"',
      '<option value="rhel9"',
      'id="f-cpu"',
      'max="16"',
      'id="f-disks-0-sizeGb"',
      'id="f-placement-cluster"',
      '<option value="CL-DEV-01"',
    ])
      assert.ok(markup.includes(expected), expected);
    assert.ok(!markup.includes('name="type"'), 'the type is the form’s, not a field');
  });

  it('turns a submitted form into the resource, leaving empty fields out', () => {
    const cases: [Record<string, string>, Record<string, unknown>][] = [
      [
        {
          name: 'web-01',
          osImage: 'rhel9',
          network: 'INTRANET_DEV',
          cpu: '2',
          memoryGb: '8',
          'disks.0.sizeGb': '100',
        },
        {
          name: 'web-01',
          osImage: 'rhel9',
          network: 'INTRANET_DEV',
          cpu: 2,
          memoryGb: 8,
          disks: [{ sizeGb: 100 }],
          managed: false,
        },
      ],
      [
        {
          name: 'db',
          cpu: 'four',
          'disks.0.sizeGb': '50',
          'disks.2.sizeGb': '10',
          managed: 'true',
          leaseEnd: '2030-01-31',
          tags: 'app=db\n team = data ',
          notify: 'a@example.com, b@example.com',
          'placement.cluster': 'CL-DEV-01',
        },
        {
          name: 'db',
          cpu: 'four',
          disks: [{ sizeGb: 50 }, { sizeGb: 10 }],
          managed: true,
          leaseEnd: '2030-01-31T23:59:59Z',
          tags: { app: 'db', team: 'data' },
          notify: ['a@example.com', 'b@example.com'],
          placement: { cluster: 'CL-DEV-01' },
        },
      ],
    ];
    for (const [values, expected] of cases) assert.deepEqual(formJson(vmSchema, values), expected);
  });

  it('puts the API’s problems at the form’s fields, and shows them there', () => {
    const errors = fieldErrorsOf([
      { path: 'body.resources.0.disks.0.sizeGb', message: 'at least 40 for rhel9' },
      { path: 'body.resources.0.cpu', message: 'at most 16' },
      { path: 'body.spec.network', message: 'unknown network' },
    ]);
    assert.deepEqual(errors, {
      'disks.0.sizeGb': 'at least 40 for rhel9',
      cpu: 'at most 16',
      'spec.network': 'unknown network',
    });
    const markup = schemaFields(vmSchema, { cpu: '64' }, errors).markup;
    assert.match(markup, /id="f-cpu"[^>]*aria-invalid="true"[^>]*aria-describedby="f-cpu-error"/s);
    assert.ok(
      markup.includes('<p class="field-error" id="f-disks-0-sizeGb-error">at least 40 for rhel9</p>'),
    );
  });

  it('escapes every value it is given', () => {
    assert.equal(html`<p>${'<script>"x"&'}</p>`.markup, '<p>&#60;script&#62;&#34;x&#34;&#38;</p>');
  });
});
