/**
 * Terraform's native syntax (`*.tf`, `*.tfvars`), read into the JSON syntax the rest of the
 * simulator evaluates, for the part of HCL a lab module uses: blocks with labels, attributes,
 * nested blocks (as lists of objects, the JSON syntax's block form), comments, strings with
 * `${…}` templates, heredocs, numbers, booleans, null, lists, objects, and references
 * (`var.x`, `aws_x.y.id`, which become `"${var.x}"`, their JSON-syntax spelling). A variable's
 * `type` keeps its text (`list(string)`). Operators, conditionals, `for` expressions and function
 * calls outside `type` are refused with a Terraform-style error naming the file and line, rather
 * than guessed at: clients such as terrasnek's `upload_from_string` send exactly this syntax.
 * The same parser reads the HCL literal values of workspace and run variables.
 */
import { ConfigurationError } from './configuration';

type Value = unknown;

class NativeParser {
  private pos = 0;

  /** `file` names the file in errors; null parses one literal value (a variable's HCL value). */
  constructor(
    private readonly text: string,
    private readonly file: string | null,
  ) {}

  /** One literal value: references are refused, as Terraform refuses them in a variable value. */
  literal(): Value {
    this.skip(true);
    const value = this.primary(false);
    this.skip(true);
    if (this.pos < this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  /** The file's top-level body as a JSON-syntax document. */
  document(): Record<string, Value> {
    const doc: Record<string, Value> = {};
    this.body(doc, true, null);
    return doc;
  }

  /** Attributes only (a `.tfvars` file). */
  attributes(): Record<string, Value> {
    const out: Record<string, Value> = {};
    this.body(out, false, null);
    return out;
  }

  /** Parses attributes and blocks up to `close`; in a `variable` block, `type` is kept as text. */
  private body(
    into: Record<string, Value>,
    topLevel: boolean,
    close: '}' | null,
    variableBlock = false,
  ): void {
    for (;;) {
      this.skip(true);
      if (this.pos >= this.text.length) {
        if (close) this.fail(`expected "${close}"`);
        return;
      }
      if (close && this.text[this.pos] === close) {
        this.pos++;
        return;
      }
      const name = this.identifier('an argument or block type');
      this.skip(false);
      if (this.text[this.pos] === '=') {
        this.pos++;
        if (name in into) this.fail(`Duplicate argument "${name}"`);
        into[name] = this.expression(variableBlock && name === 'type');
        this.endOfLine(close);
        continue;
      }
      const labels: string[] = [];
      for (;;) {
        this.skip(false);
        const ch = this.text[this.pos];
        if (ch === '"') labels.push(this.string(false));
        else if (ch !== undefined && /[A-Za-z_]/.test(ch)) labels.push(this.identifier('a block label'));
        else break;
      }
      if (this.text[this.pos] !== '{') this.fail(`expected "=" or "{" after "${name}"`);
      this.pos++;
      const blockBody: Record<string, Value> = {};
      this.body(blockBody, false, '}', topLevel && name === 'variable');
      this.place(into, name, labels, blockBody, topLevel);
    }
  }

  /** Puts a block where the JSON syntax keeps it: labels as nested keys, nested blocks as lists. */
  private place(
    into: Record<string, Value>,
    type: string,
    labels: string[],
    body: Record<string, Value>,
    topLevel: boolean,
  ): void {
    if (topLevel) {
      if (type === 'locals' || type === 'terraform') {
        const target = (into[type] ??= {}) as Record<string, Value>;
        for (const [k, v] of Object.entries(body)) {
          if (k in target) this.fail(`Duplicate ${type === 'locals' ? 'local value' : 'argument'} "${k}"`);
          target[k] = v;
        }
        return;
      }
      let target = (into[type] ??= {}) as Record<string, Value>;
      labels.forEach((label, i) => {
        if (i === labels.length - 1) {
          if (label in target) this.fail(`Duplicate ${type} "${labels.join('" "')}"`);
          target[label] = body;
        } else target = (target[label] ??= {}) as Record<string, Value>;
      });
      if (labels.length === 0) this.fail(`Missing name for ${type} block`);
      return;
    }
    const list = (into[type] ??= []) as Value[];
    if (!Array.isArray(list)) this.fail(`"${type}" is both an argument and a block`);
    list.push(labels.reduceRight<Value>((inner, label) => ({ [label]: inner }), body));
  }

  private expression(raw: boolean): Value {
    this.skip(false);
    const start = this.pos;
    const value = this.primary(raw);
    this.skip(false);
    const next = this.text[this.pos];
    if (next !== undefined && !/[\n,}\])#/]/.test(next)) {
      this.pos = start;
      this.fail(
        'only literal values, templates and references are simulated (no operators, conditionals or "for" expressions)',
      );
    }
    return value;
  }

  private primary(raw: boolean): Value {
    const ch = this.text[this.pos];
    if (ch === '"') return this.string(true);
    if (ch === '<' && this.text.startsWith('<<', this.pos)) return this.heredoc();
    if (ch === '[') return this.list();
    if (ch === '{') return this.object();
    const number = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(this.text.slice(this.pos));
    if (number) {
      this.pos += number[0].length;
      return Number(number[0]);
    }
    const start = this.pos;
    const name = this.identifier('a value');
    if (name === 'true') return true;
    if (name === 'false') return false;
    if (name === 'null') return null;
    if (this.text[this.pos] === '(') {
      if (!raw) this.fail(`Call to function "${name}": functions are not simulated`);
      let depth = 0;
      do {
        const c = this.text[this.pos++];
        if (c === undefined) this.fail('unterminated type expression');
        if (c === '(') depth++;
        if (c === ')') depth--;
      } while (depth > 0);
      return this.text.slice(start, this.pos).replace(/\s+/g, '');
    }
    if (raw) return name;
    if (this.file === null) this.fail(`variables may not refer to ${name}`);
    while (this.text[this.pos] === '.' || this.text[this.pos] === '[') {
      if (this.text[this.pos] === '.') {
        this.pos++;
        if (this.text[this.pos] === '*') this.fail('splat expressions are not simulated');
        this.identifierOrIndex();
      } else {
        const close = this.text.indexOf(']', this.pos);
        if (close < 0) this.fail('expected "]"');
        if (this.text.slice(this.pos + 1, close).trim() === '*')
          this.fail('splat expressions are not simulated');
        this.pos = close + 1;
      }
    }
    return `\${${this.text.slice(start, this.pos)}}`;
  }

  private identifierOrIndex(): void {
    if (/[0-9]/.test(this.text[this.pos] ?? '')) {
      while (/[0-9]/.test(this.text[this.pos] ?? '')) this.pos++;
    } else this.identifier('an attribute name');
  }

  /** A quoted string; in expressions `${…}` and `%{…}` stay as template text, as in JSON syntax. */
  private string(template: boolean): string {
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined || ch === '\n') this.fail('unterminated string');
      this.pos++;
      if (ch === '"') return out;
      if (ch === '\\') {
        const esc = this.text[this.pos++];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        if (esc === 'u') {
          out += String.fromCharCode(parseInt(this.text.slice(this.pos, this.pos + 4), 16));
          this.pos += 4;
        } else out += map[esc ?? ''] ?? `\\${esc ?? ''}`;
      } else if ((ch === '$' || ch === '%') && this.text[this.pos] === '{') {
        if (!template) this.fail('templates are not allowed in block labels');
        const close = this.text.indexOf('}', this.pos);
        if (close < 0) this.fail('unterminated template');
        out += ch + this.text.slice(this.pos, close + 1);
        this.pos = close + 1;
      } else out += ch;
    }
  }

  private heredoc(): string {
    const header = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n/.exec(this.text.slice(this.pos));
    if (!header) this.fail('invalid heredoc');
    this.pos += header[0].length;
    const lines: string[] = [];
    for (;;) {
      const end = this.text.indexOf('\n', this.pos);
      const line = this.text.slice(this.pos, end < 0 ? undefined : end);
      this.pos = end < 0 ? this.text.length : end + 1;
      if (line.trim() === header[2]) break;
      if (end < 0) this.fail(`heredoc "${header[2]}" is not closed`);
      lines.push(line);
    }
    this.pos--; // leave the newline that ends the attribute
    if (header[1] === '-') {
      const indent = Math.min(
        ...lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length),
      );
      return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n') + '\n';
    }
    return lines.join('\n') + '\n';
  }

  private list(): Value[] {
    this.pos++;
    const items: Value[] = [];
    for (;;) {
      this.skip(true);
      if (this.text[this.pos] === ']') {
        this.pos++;
        return items;
      }
      items.push(this.expression(false));
      this.skip(true);
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') this.fail('expected "," or "]"');
    }
  }

  private object(): Record<string, Value> {
    this.pos++;
    const out: Record<string, Value> = {};
    for (;;) {
      this.skip(true);
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.text[this.pos] === '"' ? this.string(false) : this.identifier('an object key');
      this.skip(false);
      const sep = this.text[this.pos];
      if (sep !== '=' && sep !== ':') this.fail('expected "=" after an object key');
      this.pos++;
      out[key] = this.expression(false);
      this.skip(true);
      if (this.text[this.pos] === ',') this.pos++;
    }
  }

  private identifier(what: string): string {
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.pos));
    if (!word) this.fail(`expected ${what}`);
    this.pos += word[0].length;
    return word[0];
  }

  private endOfLine(close: '}' | null): void {
    this.skip(false);
    const ch = this.text[this.pos];
    if (ch === undefined || ch === '\n' || (close && ch === close)) return;
    this.fail('expected a newline after the argument');
  }

  /** Skips blanks and comments; newlines too when `newlines`. */
  private skip(newlines: boolean): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\r' || (newlines && ch === '\n')) this.pos++;
      else if (ch === '#' || (ch === '/' && this.text[this.pos + 1] === '/')) {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      } else if (ch === '/' && this.text[this.pos + 1] === '*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 2;
      } else return;
    }
  }

  private fail(why: string): never {
    if (this.file === null) throw new Error(`invalid HCL value ${JSON.stringify(this.text)}: ${why}`);
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new ConfigurationError(`Error: ${why}\n\n  on ${this.file} line ${line}`);
  }
}

/** A `.tf` file as the JSON-syntax document Terraform would read from the same configuration. */
export function parseNativeConfiguration(text: string, file: string): Record<string, unknown> {
  return new NativeParser(text, file).document();
}

/** One HCL literal, as workspace variables with `hcl: true` and run variables carry them. */
export function parseHclLiteral(text: string): unknown {
  return new NativeParser(text, null).literal();
}

/** A `.tfvars` file's values. */
export function parseNativeVariables(text: string, file: string): Record<string, unknown> {
  return new NativeParser(text, file).attributes();
}
