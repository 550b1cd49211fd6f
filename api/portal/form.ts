/**
 * A form generated from a resource type's JSON Schema (as the API documents it, narrowed by the
 * inventory of the moment), and the JSON a submitted form stands for. Each property becomes the
 * control its schema calls for: a choice of the enumerated values, a number within its bounds, a
 * check box, a date, a list of disk sizes, key=value tags, addresses separated by commas, a
 * fieldset of an object's own properties. Field names are the properties' paths, so the API's
 * field problems (`body.resources.0.disks.0.sizeGb`) land at their inputs.
 */
import { fieldError, fieldId, errorAttrs, html, Html, input, select, type FieldErrors } from './html';

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
};

/** Submitted values by field path, as strings (a form's own shape). */
export type FormValues = Record<string, string>;

/** Words for a property a schema names in code (`memoryGb` → `Memory (GB)`). */
const labels: Record<string, string> = {
  name: 'Name',
  osImage: 'Operating system image',
  network: 'Network',
  cpu: 'CPUs',
  memoryGb: 'Memory (GB)',
  disks: 'Disks',
  sizeGb: 'Size (GB)',
  managed: 'Keep it managed as Terraform code (TFE) instead of building it once (AWX)',
  leaseEnd: 'Lease end (the VM is removed that day)',
  tags: 'Tags',
  notify: 'Also notify (e-mail addresses)',
  placement: 'Placement (optional)',
  cluster: 'Cluster',
  datastore: 'Datastore',
};
const labelOf = (key: string) =>
  labels[key] ?? key.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());

/** How many disks the form offers at most, whatever the limit (more are a second request). */
const MAX_DISK_FIELDS = 4;

const isType = (s: JsonSchema, t: string) => s.type === t || (Array.isArray(s.type) && s.type.includes(t));
const skipped = new Set(['type', 'action', 'group']);

/** Extra words for an enumerated value (a network's CIDR, an image's description). */
export type ChoiceLabels = Record<string, Record<string, string>>;

/** The form's controls for `schema`'s properties. */
export function schemaFields(
  schema: JsonSchema,
  values: FormValues,
  errors: FieldErrors,
  choiceLabels: ChoiceLabels = {},
  prefix = '',
): Html {
  const required = new Set(schema.required ?? []);
  return html`${Object.entries(schema.properties ?? {})
    .filter(([key]) => !skipped.has(key))
    .map(([key, prop]) =>
      control(`${prefix}${key}`, key, prop, required.has(key), values, errors, choiceLabels),
    )}`;
}

function control(
  path: string,
  key: string,
  prop: JsonSchema,
  required: boolean,
  values: FormValues,
  errors: FieldErrors,
  choiceLabels: ChoiceLabels,
): Html {
  const label = labelOf(key);
  const value =
    values[path] ??
    (prop.default !== undefined && typeof prop.default !== 'object' ? String(prop.default) : '');
  if (prop.enum) {
    const options: [string, string][] = prop.enum.map((v) => {
      const extra = choiceLabels[key]?.[String(v)];
      return [String(v), extra ? `${v} — ${extra}` : String(v)];
    });
    return select(
      { path, label, value, required },
      required ? [['', 'Choose…'], ...options] : [['', 'Any'], ...options],
      errors,
    );
  }
  if (isType(prop, 'integer') || isType(prop, 'number'))
    return input(
      { path, label, type: 'number', value, required, min: prop.minimum, max: prop.maximum },
      errors,
    );
  if (isType(prop, 'boolean')) {
    const id = fieldId(path);
    return html`<div class="field checkbox${errors[path] ? ' has-error' : ''}">
      <input
        type="checkbox"
        id="${id}"
        name="${path}"
        value="true"
        ${values[path] === 'true' || (values[path] === undefined && prop.default === true) ? new Html(' checked') : ''}${errorAttrs(path, errors)}
      />
      <label for="${id}">${label}</label>
      ${fieldError(path, errors)}
    </div>`;
  }
  if (isType(prop, 'string') && prop.format === 'date-time')
    return input({ path, label, type: 'date', value, required, hint: 'Leave empty for no lease.' }, errors);
  if (isType(prop, 'array') && prop.items && isType(prop.items, 'object')) {
    // A list of objects of one number each (disks: sizeGb): one input per item.
    const [itemKey, itemSchema] = Object.entries(prop.items.properties ?? {})[0] ?? [];
    if (!itemKey || !itemSchema) return html``;
    const count = Math.min(prop.maxItems ?? MAX_DISK_FIELDS, MAX_DISK_FIELDS);
    const min = prop.minItems ?? 0;
    return html`<fieldset class="${errors[path] ? 'has-error' : ''}" id="${fieldId(path)}">
      <legend>${label}</legend>
      ${fieldError(path, errors)}
      ${Array.from({ length: count }, (_, i) =>
        input(
          {
            path: `${path}.${i}.${itemKey}`,
            label: `${key === 'disks' ? `Disk ${i + 1}` : `${label} ${i + 1}`} ${labelOf(itemKey).replace(/^./, (c) => c.toLowerCase())}${i === 0 && key === 'disks' ? ' (holds the operating system)' : ''}`,
            type: 'number',
            value: values[`${path}.${i}.${itemKey}`] ?? '',
            required: i < min,
            min: itemSchema.minimum,
            max: itemSchema.maximum,
          },
          errors,
        ),
      )}
    </fieldset>`;
  }
  if (isType(prop, 'array'))
    return input(
      { path, label, value, required, type: 'text', hint: 'Separate several with commas.' },
      errors,
    );
  if (isType(prop, 'object') && prop.properties)
    return html`<fieldset id="${fieldId(path)}">
      <legend>${label}</legend>
      ${fieldError(path, errors)}${schemaFields(prop, values, errors, choiceLabels, `${path}.`)}
    </fieldset>`;
  if (isType(prop, 'object')) {
    const id = fieldId(path);
    return html`<div class="field${errors[path] ? ' has-error' : ''}">
      <label for="${id}">${label}</label>
      <p class="hint" id="${id}-hint">One per line: name=value.</p>
      <textarea id="${id}" name="${path}" rows="3" ${errorAttrs(path, errors, 'hint')}>${value}</textarea>
      ${fieldError(path, errors)}
    </div>`;
  }
  return input({ path, label, value, required, autocomplete: 'off' }, errors);
}

/** The JSON a submitted form stands for: empty fields left out, numbers as numbers. */
export function formJson(schema: JsonSchema, values: FormValues, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (skipped.has(key)) continue;
    const path = `${prefix}${key}`;
    const raw = (values[path] ?? '').trim();
    if (isType(prop, 'boolean')) {
      out[key] = values[path] === 'true';
    } else if (isType(prop, 'array') && prop.items && isType(prop.items, 'object')) {
      const [itemKey] = Object.keys(prop.items.properties ?? {});
      const items: Record<string, unknown>[] = [];
      for (let i = 0; i < MAX_DISK_FIELDS; i++) {
        const v = (values[`${path}.${i}.${itemKey}`] ?? '').trim();
        if (v) items.push({ [itemKey!]: numeric(v) });
      }
      if (items.length) out[key] = items;
    } else if (isType(prop, 'object') && prop.properties) {
      const nested = formJson(prop, values, `${path}.`);
      if (Object.keys(nested).length) out[key] = nested;
    } else if (!raw) continue;
    else if (isType(prop, 'integer') || isType(prop, 'number')) out[key] = numeric(raw);
    else if (isType(prop, 'string') && prop.format === 'date-time')
      out[key] = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T23:59:59Z` : raw;
    else if (isType(prop, 'array'))
      out[key] = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (isType(prop, 'object'))
      out[key] = Object.fromEntries(
        raw
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter(Boolean)
          .map((line) => {
            const at = line.indexOf('=');
            return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
          }),
      );
    else out[key] = raw;
  }
  return out;
}

/** A number as typed; what is not one stays the text, for the API to name at its field. */
function numeric(raw: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
}
