import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { controlCharacterIn, environmentAssignment, environmentFileLine, escapeSpecifiers, execCommandLine, programPathProblem, renderUnit, unitValue, unitValueProblem } from '../../lib/units/unit-syntax.js';

describe('unitValueProblem', () => {
  const table: [string, RegExp | null][] = [
    ['plain text', null],
    ['100% $HOME `id` "q" \'q\'', null],
    ['a\\b', null],
    ['even \\\\', null],
    ['a\nb', /contains a newline/],
    ['a\rb', /contains a carriage return/],
    ['a\0b', /contains a NUL byte/],
    ['a\tb', /contains a tab/],
    ['a\u001bb', /U\+001B/],
    ['a\u0085b', /U\+0085/],
    ['odd \\', /ends with a backslash/],
    ['odd \\\\\\', /ends with a backslash/],
  ];
  for (const [value, problem] of table) {
    it(JSON.stringify(value), () => {
      const found = unitValueProblem(value);
      if (problem) assert.match(found ?? '(none)', problem);
      else assert.equal(found, null);
    });
  }
});

describe('escaping', () => {
  it('doubles every % so no specifier is expanded', () => {
    assert.equal(escapeSpecifiers('%n %% 100%'), '%%n %%%% 100%%');
    assert.equal(unitValue('%i'), '%%i');
  });

  it('quotes an ExecStart path that is not plain', () => {
    assert.equal(execCommandLine(['/opt/a/a.sh']), '/opt/a/a.sh');
    assert.equal(execCommandLine(['/opt/a b/a.sh']), '"/opt/a b/a.sh"');
    assert.equal(execCommandLine(['/opt/a"b\\c']), '"/opt/a\\"b\\\\c"');
  });

  // The argv that systemd 252 on a lab host started for these lines (read back by the program
  // printing its argv as JSON; test/e2e/shapes.test.ts does the same through octoi).
  const EXEC_WORDS: [argument: string, written: string][] = [
    ['--flag', '--flag'],
    ['value with spaces', '"value with spaces"'],
    ['', '""'],
    ['100%', '"100%%"'],
    ['%n', '"%%n"'],
    ['$HOME ${X} $$', '"$$HOME $${X} $$$$"'],
    [';', '";"'],
    ['\\;', '"\\\\;"'],
    [`q"uo'te`, `"q\\"uo'te"`],
    ['back\\slash\\', '"back\\\\slash\\\\"'],
    ['tab\\there', '"tab\\\\there"'],
    ['é ü', '"é ü"'],
  ];
  for (const [argument, written] of EXEC_WORDS) {
    it(`writes the ExecStart= argument ${JSON.stringify(argument)} as ${written}`, () => {
      assert.equal(unitValue(execCommandLine(['/usr/bin/printf', argument])), `/usr/bin/printf ${written}`);
    });
  }

  it('takes only a plain absolute program path', () => {
    assert.equal(programPathProblem('/usr/bin/python3'), null);
    assert.equal(programPathProblem('python3'), 'is not an absolute path');
    for (const path of ['/usr/bin/$SHELL', '/opt/a b', '/usr/bin/%n', '/x"y', '/x\\y']) assert.match(programPathProblem(path) ?? '', /has characters other than/);
  });

  const ENVIRONMENT: [value: string, assignment: string, fileLine: string][] = [
    ['plain', '"A=plain"', 'A="plain"\n'],
    ['say "hi"', '"A=say \\"hi\\""', 'A="say \\"hi\\""\n'],
    ['$HOME ${X}', '"A=$HOME ${X}"', 'A="\\$HOME \\${X}"\n'],
    ['100% %n', '"A=100%% %%n"', 'A="100% %n"\n'],
    ['back\\slash\\', '"A=back\\\\slash\\\\"', 'A="back\\\\slash\\\\"\n'],
    ["`id` 'sq' #x ;y", `"A=\`id\` 'sq' #x ;y"`, `A="\\\`id\\\` 'sq' #x ;y"\n`],
    ['  edges  ', '"A=  edges  "', 'A="  edges  "\n'],
  ];
  for (const [value, assignment, fileLine] of ENVIRONMENT) {
    it(`writes the environment value ${JSON.stringify(value)} as Environment=${assignment} and ${JSON.stringify(fileLine)}`, () => {
      assert.equal(unitValue(environmentAssignment('A', value)), assignment);
      assert.equal(environmentFileLine('A', value), fileLine);
    });
  }

  it('names the first control character', () => {
    assert.equal(controlCharacterIn('ok'), null);
    assert.equal(controlCharacterIn('a\u007f\n'), 'the control character U+007F');
  });
});

describe('renderUnit', () => {
  it('writes sections separated by blank lines with a trailing newline', () => {
    assert.equal(
      renderUnit([
        { name: 'Unit', directives: [{ key: 'Description', value: 'd' }] },
        { name: 'Install', directives: [{ key: 'WantedBy', value: 'sockets.target' }] },
      ]),
      '[Unit]\nDescription=d\n\n[Install]\nWantedBy=sockets.target\n',
    );
  });

  it('keeps every value on its one line or throws (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (value) => {
        let unit: string;
        try {
          unit = renderUnit([{ name: 'Service', directives: [{ key: 'A', value }, { key: 'B', value: 'b' }] }]);
        } catch (error) {
          assert.ok(unitValueProblem(value), `threw for a renderable value: ${String(error)}`);
          return;
        }
        const lines = unit.split(/\r|\n|\0/);
        assert.deepEqual(lines, ['[Service]', `A=${value.replaceAll('%', '%%')}`, 'B=b', '']);
        assert.ok(!/(^|[^\\])(\\\\)*\\$/.test(lines[1] ?? ''));
      }),
      { numRuns: 1000 },
    );
  });
});
