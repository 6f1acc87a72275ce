/**
 * `{{ expression }}` substitution: the part of Jinja that playbook fields use, parsed and evaluated
 * here so that template text can only read variables, never call code. Lookups see own keys of
 * mappings and indexes of lists only, so no prototype or built-in is reachable; output is never
 * parsed again, so `{{` inside a variable's value stays text.
 */

import { revealed, VaultError } from '../source/vault.js';
import { closestMatch } from '../source/suggest.js';

/** Rendered text larger than this is refused: no field of a service is meant to be this big. */
export const MAX_RENDERED_CHARACTERS = 1024 * 1024;

type Literal = string | number | boolean | null;

type Expression =
  | { kind: 'literal'; value: Literal }
  | { kind: 'variable'; name: string; keys: readonly (string | number)[] }
  | { kind: 'filter'; input: Expression; filter: FilterName; args: readonly Expression[] };

type TemplatePart = string | { expression: Expression; written: string };

export interface Template {
  readonly parts: readonly TemplatePart[];
}

const FILTER_ARITY = {
  default: [1, 2],
  d: [1, 2],
  lower: [0, 0],
  upper: [0, 0],
  trim: [0, 0],
  int: [0, 0],
  string: [0, 0],
  join: [0, 1],
} as const satisfies Record<string, readonly [number, number]>;

type FilterName = keyof typeof FILTER_ARITY;

const SYNTAX_HINT = `write {{ name }}, {{ a.b }}, {{ a['b'] }} or {{ list[0] }}, optionally with filters: ${Object.keys(FILTER_ARITY).join(', ')}; for a literal {{ write {{ '{{' }}`;

type ParseResult = { template: Template; problem?: never } | { template?: never; problem: { message: string; hint: string } };

/** Whether `text` holds any `{{`: text without one is used as written and costs nothing more. */
export function isTemplate(text: string): boolean {
  return text.includes('{{');
}

export function parseTemplate(text: string): ParseResult {
  const parts: TemplatePart[] = [];
  let from = 0;
  for (let open = text.indexOf('{{'); open >= 0; open = text.indexOf('{{', from)) {
    if (open > from) parts.push(text.slice(from, open));
    const parser = new ExpressionParser(text, open + 2);
    let expression: Expression;
    try {
      expression = parser.parseWhole();
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      const context = text.slice(open, Math.min(text.length, parser.position + 1));
      return { problem: { message: `template ${JSON.stringify(context)}: ${error.message}`, hint: SYNTAX_HINT } };
    }
    parts.push({ expression, written: text.slice(open, parser.position) });
    from = parser.position;
  }
  if (from < text.length) parts.push(text.slice(from));
  return { template: { parts } };
}

class TemplateSyntaxError extends Error {}

type Token =
  | { kind: 'name'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'punctuation'; text: '.' | '[' | ']' | '(' | ')' | ',' | '|' | '-' | '}}' };

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9]+(\.[0-9]+)?/y;
const WHITESPACE = /[ \t\r\n]*/y;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
const KEYWORDS: Record<string, Literal> = { true: true, True: true, false: false, False: false, none: null, None: null };

/** Recursive descent over the tokens of one `{{ ... }}`, starting after the `{{`. */
class ExpressionParser {
  private lookahead: Token | null = null;

  constructor(
    private readonly text: string,
    public position: number,
  ) {}

  parseWhole(): Expression {
    if (this.text[this.position] === '-') throw new TemplateSyntaxError('whitespace control `{{-` is not supported');
    let expression = this.parseOperand();
    while (this.accept('|')) expression = this.parseFilter(expression);
    const end = this.next();
    if (end === null) throw new TemplateSyntaxError('`{{` is not closed by `}}`');
    if (!(end.kind === 'punctuation' && end.text === '}}')) {
      throw new TemplateSyntaxError(`unexpected ${describeToken(end)}: only names, keys, indexes, literals and filters are supported`);
    }
    return expression;
  }

  private parseFilter(input: Expression): Expression {
    const name = this.expectName('a filter name after `|`');
    if (!Object.hasOwn(FILTER_ARITY, name)) throw new TemplateSyntaxError(`unknown filter \`${name}\``);
    const filter = name as FilterName;
    const args: Expression[] = [];
    if (this.accept('(') && !this.accept(')')) {
      do args.push(this.parseOperand());
      while (this.accept(','));
      this.expect(')');
    }
    const [least, most] = FILTER_ARITY[filter];
    if (args.length < least || args.length > most) {
      throw new TemplateSyntaxError(`filter \`${filter}\` takes ${least === most ? least : `${least} to ${most}`} argument${most === 1 ? '' : 's'}, not ${args.length}`);
    }
    return { kind: 'filter', input, filter, args };
  }

  private parseOperand(): Expression {
    const token = this.next();
    if (token?.kind === 'string' || token?.kind === 'number') return { kind: 'literal', value: token.value };
    if (token?.kind === 'punctuation' && token.text === '-') {
      const number = this.next();
      if (number?.kind !== 'number') throw new TemplateSyntaxError('`-` must be followed by a number');
      return { kind: 'literal', value: -number.value };
    }
    if (token?.kind !== 'name') throw new TemplateSyntaxError(token === null ? '`{{` is not closed by `}}`' : `expected a name or a literal, found ${describeToken(token)}`);
    if (Object.hasOwn(KEYWORDS, token.text)) return { kind: 'literal', value: KEYWORDS[token.text] ?? null };
    const keys: (string | number)[] = [];
    for (;;) {
      if (this.accept('.')) {
        const key = this.next();
        if (key?.kind === 'name') keys.push(key.text);
        else if (key?.kind === 'number' && Number.isInteger(key.value)) keys.push(key.value);
        else throw new TemplateSyntaxError('expected a key name after `.`');
      } else if (this.accept('[')) {
        const key = this.parseOperand();
        if (key.kind !== 'literal' || !(typeof key.value === 'string' || Number.isInteger(key.value))) {
          throw new TemplateSyntaxError("write a quoted key or a whole number in brackets: a['b'] or a[0]");
        }
        keys.push(key.value as string | number);
        this.expect(']');
      } else {
        return { kind: 'variable', name: token.text, keys };
      }
    }
  }

  private expectName(what: string): string {
    const token = this.next();
    if (token?.kind !== 'name') throw new TemplateSyntaxError(`expected ${what}, found ${token ? describeToken(token) : 'the end'}`);
    return token.text;
  }

  private expect(text: string): void {
    if (!this.accept(text)) {
      const found = this.peek();
      throw new TemplateSyntaxError(`expected \`${text}\`, found ${found ? describeToken(found) : 'the end'}`);
    }
  }

  private accept(text: string): boolean {
    const token = this.peek();
    if (token?.kind === 'punctuation' && token.text === text) {
      this.lookahead = null;
      return true;
    }
    return false;
  }

  private next(): Token | null {
    const token = this.peek();
    this.lookahead = null;
    return token;
  }

  private peek(): Token | null {
    this.lookahead ??= this.scan();
    return this.lookahead;
  }

  private scan(): Token | null {
    this.position = this.match(WHITESPACE)?.end ?? this.position;
    const char = this.text[this.position];
    if (char === undefined) return null;
    if (this.text.startsWith('}}', this.position)) return this.advance(2, { kind: 'punctuation', text: '}}' });
    if ('.[](),|-'.includes(char)) return this.advance(1, { kind: 'punctuation', text: char as '.' });
    if (char === "'" || char === '"') return this.scanString(char);
    const name = this.match(NAME);
    if (name) return this.advance(name.text.length, { kind: 'name', text: name.text });
    const number = this.match(NUMBER);
    if (number) return this.advance(number.text.length, { kind: 'number', value: Number(number.text) });
    throw new TemplateSyntaxError(`unexpected ${JSON.stringify(char)}`);
  }

  private scanString(quote: string): Token {
    let value = '';
    for (let i = this.position + 1; i < this.text.length; i++) {
      const char = this.text[i] as string;
      if (char === quote) return this.advance(i + 1 - this.position, { kind: 'string', value });
      if (char === '\\' && i + 1 < this.text.length) {
        const escaped = this.text[++i] as string;
        value += ESCAPES[escaped] ?? `\\${escaped}`;
      } else {
        value += char;
      }
    }
    throw new TemplateSyntaxError(`the string starting with ${quote} is not closed`);
  }

  private match(pattern: RegExp): { text: string; end: number } | null {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text);
    return found ? { text: found[0], end: pattern.lastIndex } : null;
  }

  private advance(length: number, token: Token): Token {
    this.position += length;
    return token;
  }
}

function describeToken(token: Token): string {
  return token.kind === 'name' || token.kind === 'punctuation' ? `\`${token.text}\`` : JSON.stringify(token.value);
}

/** A render problem as a diagnostic's message and hint; `scopeHint` says where the variable could be defined. */
export function describeRenderProblem(problem: RenderProblem, scopeHint: string): [message: string, hint: string] {
  if (problem.kind === 'invalid') return [`${problem.message} in \`${problem.written}\``, problem.hint];
  const { expression, name, available, topLevel } = problem.missing;
  const guess = closestMatch(name, available);
  const didYouMean = guess ? `did you mean \`${guess}\`? ` : '';
  if (topLevel) return [`undefined variable \`${expression}\` in \`${problem.written}\``, `${didYouMean}${scopeHint}; or give a fallback: {{ ${expression} | default('VALUE') }}`];
  const keys = available.length > 0 ? `it has ${available.map((key) => `\`${key}\``).join(', ')}; ` : '';
  return [`\`${expression}\` is not defined in \`${problem.written}\``, `${didYouMean || keys}give a fallback: {{ ${expression} | default('VALUE') }}`];
}

/** A variable, key or index the template reads that is not there. */
interface Missing {
  /** What was looked up, as written: `port`, `site.port`, `ports[2]`. */
  expression: string;
  /** The variable name, key or index that is not there. */
  name: string;
  /** Names or keys that do exist where the lookup failed (for "did you mean"). */
  available: readonly string[];
  /** True when the first name itself is undefined. */
  topLevel: boolean;
}

/** What went wrong in the expression `written` (as in the template, braces included). */
export type RenderProblem = { kind: 'undefined'; missing: Missing; written: string } | { kind: 'invalid'; message: string; hint: string; written: string };

type RenderResult = { text: string; problem?: never } | { text?: never; problem: RenderProblem };

type Evaluated = { value: unknown; missing?: never } | { value?: never; missing: Missing };

class InvalidValue extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Substitutes every expression of `template`; variables are read-only data and never templates themselves. */
export function renderTemplate(template: Template, variables: ReadonlyMap<string, unknown>): RenderResult {
  let text = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    try {
      const result = evaluate(part.expression, variables);
      if (result.missing) return { problem: { kind: 'undefined', missing: result.missing, written: part.written } };
      text += asText(result.value, describeExpression(part.expression));
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      return { problem: { kind: 'invalid', message: error.message, hint: error.hint, written: part.written } };
    }
    if (text.length > MAX_RENDERED_CHARACTERS) {
      const message = `the rendered text is longer than ${MAX_RENDERED_CHARACTERS} characters`;
      return { problem: { kind: 'invalid', message, hint: 'check the variables substituted here', written: part.written } };
    }
  }
  return { text };
}

function evaluate(expression: Expression, variables: ReadonlyMap<string, unknown>): Evaluated {
  if (expression.kind === 'literal') return { value: expression.value };
  if (expression.kind === 'variable') return lookup(expression, variables);
  const input = evaluate(expression.input, variables);
  const args: unknown[] = [];
  for (const arg of expression.args) {
    const evaluated = evaluate(arg, variables);
    if (evaluated.missing) return evaluated;
    args.push(evaluated.value);
  }
  if (expression.filter === 'default' || expression.filter === 'd') {
    const replaceFalsy = args[1] === true;
    return input.missing || (replaceFalsy && isFalsy(input.value)) ? { value: args[0] } : input;
  }
  if (input.missing) return input;
  return { value: applyFilter(expression.filter, input.value, args, describeExpression(expression.input)) };
}

function lookup(expression: Extract<Expression, { kind: 'variable' }>, variables: ReadonlyMap<string, unknown>): Evaluated {
  if (!variables.has(expression.name)) return { missing: { expression: expression.name, name: expression.name, available: [...variables.keys()], topLevel: true } };
  let written = expression.name;
  let value = revealedForTemplate(written, variables.get(expression.name));
  for (const key of expression.keys) {
    const next = `${written}${describeKey(key)}`;
    if (Array.isArray(value)) {
      if (typeof key !== 'number') throw new InvalidValue(`\`${written}\` is a list, it has no key \`${key}\``, `index it by position: ${written}[0]`);
      const index = key < 0 ? value.length + key : key;
      if (index < 0 || index >= value.length) return { missing: { expression: next, name: String(key), available: [], topLevel: false } };
      value = revealedForTemplate(next, value[index]);
    } else if (isMapping(value)) {
      const name = String(key);
      if (!Object.hasOwn(value, name)) return { missing: { expression: next, name, available: Object.keys(value), topLevel: false } };
      value = revealedForTemplate(next, value[name]);
    } else {
      throw new InvalidValue(`\`${written}\` is ${kindOf(value)}, not a mapping or a list`, `use ${written} itself`);
    }
    written = next;
  }
  return { value };
}

/** A `!vault` value is decrypted only here, when a template reads it. */
function revealedForTemplate(written: string, value: unknown): unknown {
  try {
    return revealed(written, value);
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    throw new InvalidValue(error.message, error.hint);
  }
}

function applyFilter(filter: Exclude<FilterName, 'default' | 'd'>, value: unknown, args: readonly unknown[], written: string): unknown {
  switch (filter) {
    case 'lower':
      return asText(value, written).toLowerCase();
    case 'upper':
      return asText(value, written).toUpperCase();
    case 'trim':
      return asText(value, written).trim();
    case 'string':
      return asText(value, written);
    case 'int':
      return asInteger(value, written);
    case 'join': {
      if (!Array.isArray(value)) throw new InvalidValue(`\`${written}\` is ${kindOf(value)}, \`join\` needs a list`, 'remove the join filter');
      const separator = args.length > 0 ? asText(args[0], 'the join separator') : '';
      return value.map((item, index) => asText(item, `${written}[${index}]`)).join(separator);
    }
  }
}

/** Jinja's `int`, except that text that is no number is an error rather than 0. */
function asInteger(value: unknown, written: string): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$/.test(value)) return Math.trunc(Number(value));
  throw new InvalidValue(`\`${written}\` (${typeof value === 'string' ? JSON.stringify(value) : kindOf(value)}) is not a number`, 'give the variable a whole number');
}

/** The text a value stands for in output, as Ansible writes it: booleans True/False, null as nothing. */
function asText(value: unknown, written: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return '';
  throw new InvalidValue(`\`${written}\` is ${kindOf(value)}, which cannot be written as text`, Array.isArray(value) ? `pick one item (${written}[0]) or join them (${written} | join(','))` : `pick one key (${written}.KEY)`);
}

function isFalsy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (isMapping(value)) return Object.keys(value).length === 0;
  return value === '' || value === 0 || value === false || value === null || value === undefined;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'a boolean';
  return value === null ? 'empty' : `a ${typeof value}`;
}

function describeKey(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function describeExpression(expression: Expression): string {
  if (expression.kind === 'literal') return JSON.stringify(expression.value);
  if (expression.kind === 'variable') return expression.name + expression.keys.map(describeKey).join('');
  return `${describeExpression(expression.input)} | ${expression.filter}`;
}
