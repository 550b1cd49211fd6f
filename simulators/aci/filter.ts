/**
 * APIC filter expressions (`query-target-filter`, `rsp-subtree-filter`):
 * `eq(fvAEPg.name,"web")`, `ne`, `lt`, `gt`, `le`, `ge`, `bw(cls.prop,"a","b")`, `wcard(cls.prop,"re")`,
 * combined with `and(...)`, `or(...)`, `not(...)`. A property test only matches MOs of the class it
 * names, as on the APIC, where `eq(fvAEPg.name,"x")` never matches an fvBD.
 */
import { ApicError } from './model';

/** A parsed filter, evaluated against one MO's class and attributes. */
export type Filter = (className: string, attrs: Readonly<Record<string, string>>) => boolean;

type Node =
  | { kind: 'call'; op: string; args: Node[] }
  | { kind: 'prop'; className: string; prop: string }
  | { kind: 'literal'; value: string };

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): Node {
    const node = this.node();
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text');
    return node;
  }

  private node(): Node {
    this.skipSpace();
    if (this.text[this.pos] === '"') return { kind: 'literal', value: this.quoted() };
    const start = this.pos;
    while (this.pos < this.text.length && !'(),'.includes(this.text[this.pos] ?? '')) this.pos++;
    const word = this.text.slice(start, this.pos).trim();
    this.skipSpace();
    if (this.text[this.pos] === '(') {
      this.pos++;
      const args: Node[] = [];
      this.skipSpace();
      if (this.text[this.pos] !== ')') {
        for (;;) {
          args.push(this.node());
          this.skipSpace();
          if (this.text[this.pos] === ',') {
            this.pos++;
            continue;
          }
          if (this.text[this.pos] === ')') break;
          this.fail('expected , or )');
        }
      }
      this.pos++;
      return { kind: 'call', op: word, args };
    }
    const dot = word.indexOf('.');
    if (dot > 0 && /^[a-z][A-Za-z0-9]*\.[A-Za-z][A-Za-z0-9]*$/.test(word)) {
      return { kind: 'prop', className: word.slice(0, dot), prop: word.slice(dot + 1) };
    }
    if (word.length === 0) this.fail('empty operand');
    return { kind: 'literal', value: word };
  }

  private quoted(): string {
    this.pos++;
    let value = '';
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      value += this.text[this.pos];
      this.pos++;
    }
    if (this.text[this.pos] !== '"') this.fail('unterminated string');
    this.pos++;
    return value;
  }

  private skipSpace(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  private fail(why: string): never {
    throw new ApicError(400, '107', `Unable to parse filter ${this.text}: ${why} at position ${this.pos}`);
  }
}

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compile(node: Node, source: string): Filter {
  const bad = (why: string) => new ApicError(400, '107', `Invalid filter ${source}: ${why}`);
  if (node.kind !== 'call') throw bad('expected an operator');
  const { op, args } = node;
  if (op === 'and' || op === 'or') {
    if (args.length === 0) throw bad(`${op} needs operands`);
    const parts = args.map((a) => compile(a, source));
    return op === 'and'
      ? (cls, attrs) => parts.every((p) => p(cls, attrs))
      : (cls, attrs) => parts.some((p) => p(cls, attrs));
  }
  if (op === 'not') {
    if (args.length !== 1) throw bad('not takes one operand');
    const inner = compile(args[0] as Node, source);
    return (cls, attrs) => !inner(cls, attrs);
  }
  const [target, ...values] = args;
  if (!target || target.kind !== 'prop') throw bad(`${op} needs a class.property first`);
  const literals = values.map((v) => {
    if (v.kind !== 'literal') throw bad(`${op} takes literal values`);
    return v.value;
  });
  const read = (cls: string, attrs: Readonly<Record<string, string>>) =>
    cls === target.className ? attrs[target.prop] : undefined;
  const binary = (test: (actual: string, expected: string) => boolean): Filter => {
    if (literals.length !== 1) throw bad(`${op} takes one value`);
    const expected = literals[0] as string;
    return (cls, attrs) => {
      const actual = read(cls, attrs);
      return actual !== undefined && test(actual, expected);
    };
  };
  switch (op) {
    case 'eq':
      return binary((a, e) => a === e);
    case 'ne':
      return binary((a, e) => a !== e);
    case 'lt':
      return binary((a, e) => compare(a, e) < 0);
    case 'gt':
      return binary((a, e) => compare(a, e) > 0);
    case 'le':
      return binary((a, e) => compare(a, e) <= 0);
    case 'ge':
      return binary((a, e) => compare(a, e) >= 0);
    case 'wcard': {
      let pattern: RegExp;
      try {
        pattern = new RegExp(literals[0] ?? '');
      } catch {
        throw bad('invalid wcard pattern');
      }
      return binary((a) => pattern.test(a));
    }
    case 'bw': {
      if (literals.length !== 2) throw bad('bw takes two values');
      const [low, high] = literals as [string, string];
      return (cls, attrs) => {
        const actual = read(cls, attrs);
        return actual !== undefined && compare(actual, low) >= 0 && compare(actual, high) <= 0;
      };
    }
    default:
      throw bad(`unknown operator ${op}`);
  }
}

/** Parses a filter expression; a malformed one is the APIC's 400. */
export function parseFilter(text: string): Filter {
  return compile(new Parser(text).parse(), text);
}
