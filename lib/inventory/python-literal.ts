/**
 * The part of Python's `ast.literal_eval` that Ansible's INI inventory relies on to type values:
 * numbers (`42`, `0x1f`, `1_000`, `2.5`, `-3`), `True`/`False`/`None`, quoted strings with escapes
 * (adjacent ones concatenated), lists, tuples and dicts, with `#` comments. Anything else is not a
 * literal, and the INI reader keeps the text as a string, as Ansible does.
 * Not supported (kept as text here, typed by Python): bytes, sets, complex numbers, `\N{...}` escapes.
 */
type LiteralResult = { ok: true; value: unknown } | { ok: false };

class NotALiteral extends Error {}

const keywords: Record<string, unknown> = { True: true, False: false, None: null };
const simpleEscapes: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};
const integer = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?[0-9])*|0(?:_?0)*)$/;
const digits = '[0-9](?:_?[0-9])*';
const exponent = `[eE][+-]?${digits}`;
// A float has a point or an exponent; `0644` alone is neither a float nor (in Python 3) an int.
const float = new RegExp(`^(?:(?:${digits})?\\.${digits}(?:${exponent})?|${digits}\\.(?:${exponent})?|${digits}${exponent})$`);

export function parsePythonLiteral(text: string): LiteralResult {
  try {
    const parser = new LiteralParser(text.replace(/^[ \t]+/, ''));
    const first = parser.expression();
    const value = parser.peek() === ',' ? parser.tupleFrom(first, '') : first;
    parser.end();
    return { ok: true, value };
  } catch (error) {
    if (error instanceof NotALiteral) return { ok: false };
    throw error;
  }
}

class LiteralParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  expression(): unknown {
    const char = this.peek();
    if (char === '+' || char === '-') {
      this.pos++;
      const value = this.expression();
      if (typeof value !== 'number') throw new NotALiteral();
      return char === '-' ? -value : value;
    }
    if (char === '[') return this.sequence(']');
    if (char === '(') return this.parenthesized();
    if (char === '{') return this.dict();
    return this.atom();
  }

  end(): void {
    if (this.peek() !== '') throw new NotALiteral();
  }

  private atom(): unknown {
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (name !== undefined) {
      const quote = this.text[this.pos + name.length];
      if ((quote === "'" || quote === '"') && /^[rRuU]$/.test(name)) return this.strings();
      if (!(name in keywords)) throw new NotALiteral();
      this.pos += name.length;
      return keywords[name];
    }
    const char = this.text[this.pos];
    if (char === "'" || char === '"') return this.strings();
    return this.number();
  }

  private number(): number {
    const token = /^[0-9._a-zA-Z]+(?:(?<=[eE])[+-][0-9_]+)?/.exec(this.text.slice(this.pos))?.[0] ?? '';
    const value = integer.test(token) ? parseInteger(token) : float.test(token) ? Number(token.replaceAll('_', '')) : null;
    if (value === null) throw new NotALiteral();
    this.pos += token.length;
    return value;
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(): string {
    let result = '';
    do {
      result += this.string();
    } while (/^[rRuU]?['"]/.test(this.text.slice(this.skipSpace())));
    return result;
  }

  private string(): string {
    this.skipSpace();
    const raw = /[rR]/.test(this.text[this.pos] as string);
    if (/[rRuU]/.test(this.text[this.pos] as string)) this.pos++;
    const quote = this.text.startsWith(this.text[this.pos]!.repeat(3), this.pos) ? this.text[this.pos]!.repeat(3) : this.text[this.pos]!;
    this.pos += quote.length;
    let value = '';
    for (;;) {
      if (this.pos >= this.text.length) throw new NotALiteral();
      if (this.text.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return value;
      }
      const char = this.text[this.pos++] as string;
      if (char === '\n' && quote.length === 1) throw new NotALiteral();
      if (char !== '\\') value += char;
      else if (raw) value += char + (this.text[this.pos++] ?? '');
      else value += this.escape();
    }
  }

  private escape(): string {
    const char = this.text[this.pos++] ?? '';
    if (char in simpleEscapes) return simpleEscapes[char] as string;
    const octal = /^[0-7]{1,3}/.exec(this.text.slice(this.pos - 1))?.[0];
    if (octal) {
      this.pos += octal.length - 1;
      return String.fromCodePoint(parseInt(octal, 8));
    }
    const hexLength = { x: 2, u: 4, U: 8 }[char];
    if (hexLength !== undefined) {
      const hex = this.text.slice(this.pos, this.pos + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) throw new NotALiteral();
      this.pos += hexLength;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new NotALiteral();
      return String.fromCodePoint(code);
    }
    if (char === 'N') throw new NotALiteral();
    return `\\${char}`;
  }

  private parenthesized(): unknown {
    this.pos++;
    if (this.peek() === ')') {
      this.pos++;
      return [];
    }
    const first = this.expression();
    if (this.peek() === ')') {
      this.pos++;
      return first;
    }
    return this.tupleFrom(first, ')');
  }

  /** The rest of a tuple whose first item was read; `close` is '' for a tuple without parentheses. */
  tupleFrom(first: unknown, close: string): unknown[] {
    this.expect(',');
    return [first, ...this.itemsUntil(close, () => this.expression())];
  }

  private sequence(close: string): unknown[] {
    this.pos++;
    return this.itemsUntil(close, () => this.expression());
  }

  private dict(): Record<string, unknown> {
    this.pos++;
    const entries = this.itemsUntil('}', () => {
      const key = this.expression();
      this.expect(':');
      return [key, this.expression()] as const;
    });
    const result: Record<string, unknown> = {};
    for (const [key, value] of entries) {
      if (key !== null && typeof key === 'object') throw new NotALiteral();
      result[String(key)] = value;
    }
    return result;
  }

  /** Comma-separated items up to `close`, a trailing comma allowed. */
  private itemsUntil<T>(close: string, item: () => T): T[] {
    const items: T[] = [];
    while (this.peek() !== close) {
      items.push(item());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) throw new NotALiteral();
    }
    this.pos++;
    return items;
  }

  private expect(char: string): void {
    if (this.peek() !== char) throw new NotALiteral();
    this.pos++;
  }

  /** The next significant character ('' at the end), skipping spaces, newlines and comments. */
  peek(): string {
    return this.text[this.skipSpace()] ?? '';
  }

  private skipSpace(): number {
    for (;;) {
      const rest = /^(?:[ \t\r\n\f]+|#[^\n]*|\\\n)/.exec(this.text.slice(this.pos));
      if (!rest) return this.pos;
      this.pos += rest[0].length;
    }
  }
}

function parseInteger(token: string): number {
  const clean = token.replaceAll('_', '');
  const prefix = clean.slice(0, 2).toLowerCase();
  const radix = prefix === '0x' ? 16 : prefix === '0o' ? 8 : prefix === '0b' ? 2 : 10;
  return radix === 10 ? Number(clean) : parseInt(clean.slice(2), radix);
}
