/**
 * HTML for the portal's server-rendered pages: a tagged template that escapes every value it is
 * given (only another `html` fragment goes in as markup), the page layout, and form fields that
 * show their error beside them, tied to the input for screen readers (aria-describedby).
 */

/** Markup that is already safe: made by `html`, never from a raw string. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  return escape(String(value));
}

/** `html\`<p>${text}</p>\``: every interpolated value escaped unless it is Html itself. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** The id of a field's input from its path (`disks.0.sizeGb` → `f-disks-0-sizeGb`). */
export const fieldId = (path: string) => `f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** Field errors by field path, as the API named them (its `body.resources.0.` prefix taken off). */
export type FieldErrors = Record<string, string>;

/** A field's error message, tied to its input, or nothing. */
export function fieldError(path: string, errors: FieldErrors): Html {
  const message = errors[path];
  return message ? html`<p class="field-error" id="${fieldId(path)}-error">${message}</p>` : html``;
}

/** aria attributes of an input whose field may have an error. */
export function errorAttrs(path: string, errors: FieldErrors, hint?: string): Html {
  const described = [errors[path] ? `${fieldId(path)}-error` : '', hint ? `${fieldId(path)}-hint` : '']
    .filter(Boolean)
    .join(' ');
  return new Html(
    `${errors[path] ? ' aria-invalid="true"' : ''}${described ? ` aria-describedby="${described}"` : ''}`,
  );
}

export interface Input {
  path: string;
  label: string;
  type?: 'text' | 'number' | 'date' | 'email' | 'password';
  value?: string | number;
  required?: boolean;
  min?: number;
  max?: number;
  hint?: string;
  pattern?: string;
  autocomplete?: string;
}

/** A labelled input with its hint and its error. */
export function input(f: Input, errors: FieldErrors): Html {
  const id = fieldId(f.path);
  return html`<div class="field${errors[f.path] ? ' has-error' : ''}">
    <label for="${id}">${f.label}${f.required ? html` <span aria-hidden="true">*</span>` : ''}</label>
    ${f.hint ? html`<p class="hint" id="${id}-hint">${f.hint}</p>` : ''}
    <input
      id="${id}"
      name="${f.path}"
      type="${f.type ?? 'text'}"
      value="${f.value ?? ''}"
      ${new Html(
        [
          f.required ? ' required' : '',
          f.min !== undefined ? ` min="${f.min}"` : '',
          f.max !== undefined ? ` max="${f.max}"` : '',
          f.pattern ? ` pattern="${escape(f.pattern)}"` : '',
          f.autocomplete ? ` autocomplete="${escape(f.autocomplete)}"` : '',
        ].join(''),
      )}${errorAttrs(f.path, errors, f.hint)}
    />
    ${fieldError(f.path, errors)}
  </div>`;
}

/** A labelled select; `options` as [value, label]. */
export function select(
  f: { path: string; label: string; value?: string; required?: boolean; hint?: string },
  options: [string, string][],
  errors: FieldErrors,
): Html {
  const id = fieldId(f.path);
  return html`<div class="field${errors[f.path] ? ' has-error' : ''}">
    <label for="${id}">${f.label}${f.required ? html` <span aria-hidden="true">*</span>` : ''}</label>
    ${f.hint ? html`<p class="hint" id="${id}-hint">${f.hint}</p>` : ''}
    <select
      id="${id}"
      name="${f.path}"
      ${f.required ? new Html(' required') : ''}${errorAttrs(f.path, errors, f.hint)}
    >
      ${options.map(([v, l]) => html`<option value="${v}" ${v === f.value ? new Html(' selected') : ''}>${l}</option>`)}
    </select>
    ${fieldError(f.path, errors)}
  </div>`;
}

export interface Page {
  title: string;
  /** Who is signed in, for the navigation; absent on the sign-in page. */
  user?: { subject: string; role: string; csrfToken: string };
  body: Html;
  /** A message for everyone: shown at the top, announced by screen readers. */
  flash?: { kind: 'error' | 'ok'; text: string };
  /** Extra attributes of <main> (the live request page names its request). */
  mainAttrs?: Html;
  /** Extra elements of <head> (the page after an OpenID Connect sign-in moves on by itself). */
  head?: Html;
}

/** The whole page: skip link, navigation by role, the flash message, the content. */
export function layout(page: Page): string {
  const role = page.user?.role;
  const links: [string, string][] = page.user
    ? [
        ['/catalog', 'Catalog'],
        ...(role === 'requester' || role === 'admin'
          ? ([['/order/custom', 'Custom VM']] as [string, string][])
          : []),
        ['/requests', 'Requests'],
        ...(role === 'requester' || role === 'admin'
          ? ([['/resources', 'Resources']] as [string, string][])
          : []),
        ...(role === 'approver' || role === 'admin'
          ? ([['/approvals', 'Approvals']] as [string, string][])
          : []),
        ...(role === 'admin'
          ? ([
              ['/admin/offerings', 'Offerings'],
              ['/admin/placement', 'Placement'],
              ['/admin/tokens', 'Tokens'],
              ['/admin/status', 'Status'],
            ] as [string, string][])
          : []),
      ]
    : [];
  return `<!doctype html>${html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${page.title} · Orchestrator portal</title>
      <link rel="stylesheet" href="/portal/assets/portal.css" />
      <script src="/portal/assets/portal.js" defer></script>
      ${page.head ?? ''}
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <p class="brand"><a href="/">Orchestrator portal</a></p>
        ${
          page.user
            ? html`<nav aria-label="Main">
                  <ul>
                    ${links.map(([href, label]) => html`<li><a href="${href}">${label}</a></li>`)}
                  </ul>
                </nav>
                <form class="signout" method="post" action="/signout">
                  <input type="hidden" name="_csrf" value="${page.user.csrfToken}" />
                  <span class="who">${page.user.subject} (${page.user.role})</span>
                  <button type="submit">Sign out</button>
                </form>`
            : ''
        }
      </header>
      <main id="main" tabindex="-1" ${page.mainAttrs ?? ''}>
        ${page.flash ? html`<div class="flash ${page.flash.kind}" role="${page.flash.kind === 'error' ? 'alert' : 'status'}">${page.flash.text}</div>` : ''}
        <h1>${page.title}</h1>
        ${page.body}
      </main>
    </body>
  </html>`}`;
}

/**
 * A table of rows, each a `<tr>` fragment, under column headers (scope="col"), in the wrapper
 * that scrolls it on its own on a phone's width, with an optional caption. A column of buttons
 * takes `actionsHeader`: its header is there for a screen reader only.
 */
export const actionsHeader = html`<span class="visually-hidden">Actions</span>`;

export function dataTable(
  headers: readonly (string | Html | false)[],
  rows: readonly Html[],
  caption?: string,
): Html {
  return html`<div class="table-wrap">
    <table>
      ${
        caption
          ? html`<caption>
              ${caption}
            </caption>`
          : ''
      }
      <thead>
        <tr>
          ${headers.filter((h): h is string | Html => h !== false).map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}
