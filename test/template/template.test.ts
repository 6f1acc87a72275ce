import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isTemplate, MAX_RENDERED_CHARACTERS, parseTemplate, renderTemplate, type RenderProblem, type Template } from '../../lib/template/template.js';
import { packageRoot } from '../../lib/paths.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'playbooks', 'templates');

interface RenderCase {
  template: string;
  vars: Record<string, unknown>;
  text?: string;
  problem?: RenderProblem;
}

interface SyntaxCase {
  template: string;
  message: string;
}

function parsed(text: string): Template {
  const result = parseTemplate(text);
  assert.ok(result.template, `${JSON.stringify(text)} does not parse: ${result.problem?.message}`);
  return result.template;
}

function variables(values: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(values));
}

describe('renderTemplate: one case per fixture entry', () => {
  const cases = JSON.parse(readFileSync(join(fixtures, 'render.json'), 'utf8')) as RenderCase[];
  for (const testCase of cases) {
    it(JSON.stringify(testCase.template), () => {
      const result = renderTemplate(parsed(testCase.template), variables(testCase.vars));
      if (testCase.problem) assert.deepEqual(result, { problem: testCase.problem });
      else assert.deepEqual(result, { text: testCase.text });
    });
  }
});

describe('parseTemplate: syntax errors, one case per fixture entry', () => {
  const cases = JSON.parse(readFileSync(join(fixtures, 'syntax.json'), 'utf8')) as SyntaxCase[];
  for (const testCase of cases) {
    it(JSON.stringify(testCase.template), () => {
      const result = parseTemplate(testCase.template);
      assert.ok(result.problem, 'the template was accepted');
      assert.ok(result.problem.message.includes(testCase.message), `${result.problem.message}\n  does not contain\n${testCase.message}`);
      assert.match(result.problem.hint, /\{\{ '\{\{' \}\}/);
    });
  }
});

describe('templates and hostile input', () => {
  const anyText = fc.string({ unit: 'binary', maxLength: 80 });
  const hostileText = fc.oneof(
    anyText,
    fc.array(fc.constantFrom('{{', '}}', '{{ x }}', '\n', '\r', '\0', '%', '%n', ';', '$(', ')', '`', "'", '"', '\\', '..', 'a', ' '), { maxLength: 20 }).map((parts) => parts.join('')),
  );

  it('parsing any text never throws: it gives a template or a syntax problem', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const result = parseTemplate(text);
        assert.ok((result.template === undefined) !== (result.problem === undefined));
        if (result.template) {
          assert.doesNotThrow(() => renderTemplate(result.template, new Map()));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('text without {{ renders to itself', () => {
    fc.assert(
      fc.property(hostileText.filter((text) => !isTemplate(text)), (text) => {
        assert.deepEqual(renderTemplate(parsed(text), new Map()), { text });
      }),
    );
  });

  it('a value is substituted as it is, never read as a template again', () => {
    fc.assert(
      fc.property(anyText, hostileText, anyText, (before, value, after) => {
        fc.pre(!isTemplate(before) && !isTemplate(after) && !before.endsWith('{') && !after.startsWith('}'));
        const template = parsed(`${before}{{ value }}${after}`);
        assert.deepEqual(renderTemplate(template, variables({ value })), { text: `${before}${value}${after}` });
      }),
      { numRuns: 1000 },
    );
  });

  it('no name, key or filter reaches a prototype or a built-in', () => {
    const names = fc.constantFrom('constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', '__defineGetter__', 'call', 'apply');
    fc.assert(
      fc.property(names, names, fc.constantFrom('obj', 'list', 'text'), (first, second, base) => {
        const vars = variables({ obj: {}, list: [], text: 'abc' });
        for (const text of [`{{ ${first} }}`, `{{ ${base}.${first} }}`, `{{ ${base}['${first}'].${second} }}`, `{{ ${first} | default(${second}) }}`]) {
          const result = renderTemplate(parsed(text), vars);
          assert.ok(result.problem, `${text} rendered ${JSON.stringify(result.text)}`);
        }
      }),
    );
  });

  it('refuses to render more than the limit', () => {
    const big = 'x'.repeat(MAX_RENDERED_CHARACTERS / 4 + 1);
    const result = renderTemplate(parsed('{{ v }}{{ v }}{{ v }}{{ v }}'), variables({ v: big }));
    assert.equal(result.problem?.kind, 'invalid');
    assert.match(result.problem?.kind === 'invalid' ? result.problem.message : '', /longer than 1048576 characters/);
  });
});
