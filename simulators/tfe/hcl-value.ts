/**
 * HCL literal values, as workspace variables with `hcl: true` and run-level `variables` carry
 * them (`"\"abc\""`, `4`, `["a", "b"]`, `{ size = 100 }`). Only literals: no references or
 * functions, which Terraform would not accept in a variable value either.
 */

class LiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): unknown {
    const value = this.value();
    this.space();
    if (this.pos < this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private value(): unknown {
    this.space();
    const ch = this.text[this.pos];
    if (ch === '"') return this.string();
    if (ch === '[') return this.list();
    if (ch === '{') return this.object();
    const word = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|^[A-Za-z_][A-Za-z0-9_-]*/.exec(
      this.text.slice(this.pos),
    );
    if (!word) this.fail('expected a value');
    this.pos += word[0].length;
    if (word[0] === 'true') return true;
    if (word[0] === 'false') return false;
    if (word[0] === 'null') return null;
    const n = Number(word[0]);
    if (Number.isNaN(n)) this.fail(`variables may not refer to ${word[0]}`);
    return n;
  }

  private string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('unterminated string');
      this.pos++;
      if (ch === '"') return out;
      if (ch === '\\') {
        const esc = this.text[this.pos++];
        out += esc === 'n' ? '\n' : esc === 't' ? '\t' : esc === 'r' ? '\r' : (esc ?? '');
      } else {
        out += ch;
      }
    }
  }

  private list(): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    for (;;) {
      this.space();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return items;
      }
      items.push(this.value());
      this.space();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') this.fail('expected , or ]');
    }
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      let key: string;
      if (this.text[this.pos] === '"') key = this.string();
      else {
        const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.pos));
        if (!word) this.fail('expected an attribute name');
        key = word[0];
        this.pos += key.length;
      }
      this.space();
      const sep = this.text[this.pos];
      if (sep !== '=' && sep !== ':') this.fail('expected = after an attribute name');
      this.pos++;
      out[key] = this.value();
      this.space();
      if (this.text[this.pos] === ',') this.pos++;
    }
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  private fail(why: string): never {
    throw new Error(`invalid HCL value ${JSON.stringify(this.text)}: ${why}`);
  }
}

/** Parses one HCL literal; throws with the reason Terraform would give. */
export function parseHclLiteral(text: string): unknown {
  return new LiteralParser(text).parse();
}
