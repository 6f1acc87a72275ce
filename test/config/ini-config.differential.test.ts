/**
 * The ansible.cfg reader against Python's configparser as Ansible configures it
 * (`ConfigParser(inline_comment_prefixes=(';',))`, values read raw): the same sections, keys and
 * values, and an error where configparser raises one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { iniValue, parseIniConfig } from '../../lib/config/ini-config.js';

const cases: Record<string, string> = {
  'key = value and key: value': '[defaults]\ninventory = hosts.ini\nremote_user: deploy\nforks=10\n',
  'keys are lower-cased, sections are not': '[Defaults]\nRemote_User = A\n[defaults]\nFORKS = 3\n',
  'the first = or : separates': '[s]\na = b = c\nd : e = f\ng = h: i\nurl: http://x:8080\n',
  'comment lines and inline ; comments': '# top\n; also\n[s]\na = 1 ; inline\nb = 2;not inline\nc = 3 # not a comment\n  # indented comment\nd = ;\n',
  'continuation lines': '[s]\nssh_args = -C\n  -o ControlMaster=auto\n\n  -o ControlPersist=60s\nnext = 1\n',
  'an empty value and trailing blank lines': '[s]\nempty =\nafter = x\n\n\n',
  'DEFAULT shows through': '[DEFAULT]\nshared = yes\n[s]\nown = 1\n[t]\nshared = no\n',
  'CRLF line ends': '[s]\r\na = 1\r\nb = two words \r\n',
  'quotes are kept': '[s]\na = "quoted"\nb = \'single\'\n',
  'a header with text after it': '[s] trailing\na = 1\n',
  'error: no section header': 'a = 1\n[s]\n',
  'error: a line without a delimiter': '[s]\njust words\n',
  'error: a key set twice': '[s]\na = 1\nA = 2\n',
  'error: a section twice': '[s]\na = 1\n[s]\nb = 2\n',
  'error: an empty key': '[s]\n= 1\n',
};

const python = `
import configparser, json, sys
p = configparser.ConfigParser(inline_comment_prefixes=(';',))
try:
    p.read_string(sys.stdin.read())
except configparser.Error as e:
    print(json.dumps({"error": True})); sys.exit()
print(json.dumps({"defaults": dict(p.defaults()), "sections": {s: {k: p.get(s, k, raw=True) for k in p.options(s)} for s in p.sections()}}))
`;

function configparser(text: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', python], { input: text, encoding: 'utf8' }));
}

function octoi(text: string): unknown {
  const { config, diagnostics } = parseIniConfig('ansible.cfg', text);
  if (diagnostics.length > 0) return { error: true };
  const sections = Object.fromEntries([...config.sections].map(([name, entries]) => {
    const keys = new Set([...entries.keys(), ...config.defaults.keys()]);
    return [name, Object.fromEntries([...keys].map((key) => [key, iniValue(config, name, key)?.value]))];
  }));
  return { defaults: Object.fromEntries([...config.defaults].map(([key, entry]) => [key, entry.value])), sections };
}

for (const [name, text] of Object.entries(cases)) {
  test(`ansible.cfg as configparser reads it: ${name}`, () => {
    assert.deepEqual(octoi(text), configparser(text));
  });
}
