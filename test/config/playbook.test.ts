import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { OctoiError, formatDiagnostic, formatPosition } from '../../lib/diagnostics.js';
import { loadPlaybook, parsePlaybook } from '../../lib/config/playbook.js';
import { MAX_YAML_BYTES } from '../../lib/source/yaml-source.js';
import { packageRoot } from '../../lib/paths.js';
import { fixedServices } from '../helpers/plays.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'playbooks');

interface ExpectedDiagnostic {
  at: string;
  field?: string;
  message: string;
  hint?: string;
}

async function failureOf(load: Promise<unknown>): Promise<OctoiError> {
  try {
    await load;
  } catch (error) {
    assert.ok(error instanceof OctoiError, `expected an OctoiError, got ${String(error)}`);
    assert.equal(error.kind, 'invalid-input');
    return error;
  }
  assert.fail('the playbook was accepted');
}

async function casesIn(folder: string): Promise<string[]> {
  return (await readdir(join(fixtures, folder))).filter((name) => name.endsWith('.yml')).sort();
}

describe('invalid playbooks: every problem at FILE:LINE:COL', async () => {
  for (const name of await casesIn('invalid')) {
    it(name, async () => {
      const file = join(fixtures, 'invalid', name);
      const expected = JSON.parse(await readFile(file.replace(/\.yml$/, '.expected.json'), 'utf8')) as ExpectedDiagnostic[];
      const error = await failureOf(loadPlaybook(file));
      assert.deepEqual(
        error.diagnostics.map((d) => (d.position ? formatPosition(d.position) : '')),
        expected.map((e) => `${file}:${e.at}`),
        error.message,
      );
      error.diagnostics.forEach((diagnostic, index) => {
        const want = expected[index]!;
        assert.ok(diagnostic.message.includes(want.message), `${diagnostic.message}\n  does not contain\n${want.message}`);
        assert.equal(diagnostic.field, want.field);
        if (want.hint) assert.equal(diagnostic.hint, want.hint);
        assert.ok(formatDiagnostic(diagnostic).startsWith(`${file}:${want.at}: error: `));
      });
    });
  }
});

describe('valid playbooks', async () => {
  for (const name of await casesIn('valid')) {
    it(`${name} loads with defaults applied`, async () => {
      const file = join(fixtures, 'valid', name);
      const expected: unknown = JSON.parse(await readFile(file.replace(/\.yml$/, '.expected.json'), 'utf8'));
      const playbook = await loadPlaybook(file);
      const relative: unknown = JSON.parse(JSON.stringify(playbook, (key, value: unknown) => (key === 'file' ? basename(String(value)) : value)));
      assert.deepEqual(relative, expected);
    });
  }

  it('the shipped helloworld playbook declares the seed service', async () => {
    const playbook = await loadPlaybook(join(packageRoot(), 'playbooks', 'helloworld.yml'));
    const service = fixedServices(playbook.plays[0])[0];
    assert.equal(service?.name, 'octoi-helloworld');
    assert.deepEqual(service?.listen, [{ host: null, family: 'any', port: 13063, unitValue: '13063' }]);
    assert.deepEqual(service?.user, { kind: 'dynamic' });
    assert.equal(service?.script.path, '/opt/octoi-helloworld/octoi-helloworld.sh');
    assert.equal(service?.script.content, '#!/bin/sh\necho "Hello World"\n');
  });

  it('every playbook under playbooks/ loads', async () => {
    const folder = join(packageRoot(), 'playbooks');
    for (const name of (await readdir(folder)).filter((entry) => entry.endsWith('.yml'))) {
      await loadPlaybook(join(folder, name));
    }
  });
});

describe('parsePlaybook', () => {
  it('reads script src through the given reader, relative to the playbook', async () => {
    const asked: string[] = [];
    const playbook = await parsePlaybook(
      'site/play.yml',
      '- hosts: all\n  services:\n    - name: a\n      listen: 1\n      script: { src: bin/a.sh }\n',
      async (src) => {
        asked.push(src);
        return '#!/bin/sh\necho a\n';
      },
    );
    assert.deepEqual(asked, ['bin/a.sh']);
    assert.equal(fixedServices(playbook.plays[0])[0]?.script.content, '#!/bin/sh\necho a\n');
  });

  it('reports a reader failure at the src value', async () => {
    const error = await failureOf(
      parsePlaybook('p.yml', '- hosts: all\n  services:\n    - name: a\n      listen: 1\n      script: { src: a.sh }\n', () => Promise.reject(new Error('permission denied'))),
    );
    assert.equal(error.diagnostics.length, 1);
    assert.equal(error.message, 'p.yml:5:22: error: cannot read script src "a.sh": permission denied (field: plays[0].services[0].script.src)\n  hint: the path is relative to the playbook file');
  });

  it('reports schema and semantic problems of different services in one run', async () => {
    const text = [
      '- hosts: all',
      '  services:',
      '    - name: a',
      '      listen: 70000',
      '      script: { content: x }',
      '    - name: b',
      '      listen: "999.1.1.1:80"',
      '      script: { content: x, path: /etc/b }',
    ].join('\n');
    const error = await failureOf(parsePlaybook('p.yml', text));
    assert.deepEqual(
      error.diagnostics.map((d) => `${d.position?.line}:${d.position?.column} ${d.field}`),
      ['4:15 plays[0].services[0].listen', '7:15 plays[0].services[1].listen', '8:35 plays[0].services[1].script.path'],
    );
  });

  it('keeps script content byte for byte, control characters included', async () => {
    const playbook = await parsePlaybook('p.yml', '- hosts: all\n  services:\n    - name: a\n      listen: 1\n      script: { content: "#!/bin/sh\\r\\n\\tprintf \'%s\\\\n\' $1\\n" }\n');
    assert.equal(fixedServices(playbook.plays[0])[0]?.script.content, "#!/bin/sh\r\n\tprintf '%s\\n' $1\n");
  });
});

describe('size limits', () => {
  it(`refuses a file over ${MAX_YAML_BYTES} bytes before parsing it`, async () => {
    const folder = await mkdtemp(join(tmpdir(), 'octoi-playbook-'));
    try {
      const file = join(folder, 'huge.yml');
      const service = '    - { name: s, listen: 1, script: { content: x } }\n';
      await writeFile(file, `- hosts: all\n  services:\n${service.repeat(Math.ceil(MAX_YAML_BYTES / service.length) + 1)}`);
      const error = await failureOf(loadPlaybook(file));
      assert.equal(error.diagnostics.length, 1);
      assert.match(error.message, /^.*huge\.yml:1:1: error: the file is \d+ bytes, more than the 4194304 octoi reads/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses a script src over the script size limit', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'octoi-playbook-'));
    try {
      await writeFile(join(folder, 'big.sh'), 'x'.repeat(1024 * 1024 + 1));
      const file = join(folder, 'play.yml');
      await writeFile(file, '- hosts: all\n  services:\n    - name: a\n      listen: 1\n      script: { src: big.sh }\n');
      const error = await failureOf(loadPlaybook(file));
      assert.match(error.diagnostics[0]?.message ?? '', /is 1048577 bytes, more than the 1048576 allowed/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
