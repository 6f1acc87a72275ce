import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { compiledSchemasSource } from '../../lib/config/precompile-schemas.js';
import { AJV_OPTIONS, COMPILED_SCHEMAS_PATH, compiledSchemaOf, formKey, SCHEMA_FORMS, type SchemaForm } from '../../lib/config/schema-forms.js';
import { precompiledValidator, type CompiledValidator } from '../../lib/config/validate.js';
import { parseYamlSource } from '../../lib/source/yaml-source.js';
import { packageRoot } from '../../lib/paths.js';

const root = packageRoot();

/** Every YAML document of the playbook fixtures and shipped example playbooks that parses. */
function playbookDocuments(): { name: string; value: unknown }[] {
  const folders = [join(root, 'test', 'fixtures', 'playbooks'), join(root, 'playbooks')];
  const files = folders.flatMap((folder) => readdirSync(folder, { recursive: true, encoding: 'utf8' }).map((name) => join(folder, name)));
  return files
    .filter((file) => file.endsWith('.yml'))
    .sort()
    .flatMap((file) => {
      const parsed = parseYamlSource(file, readFileSync(file, 'utf8'));
      return parsed.source ? [{ name: relative(root, file), value: parsed.source.value }] : [];
    });
}

/** A value and every value nested in it: what a rendered form is checked against. */
function valuesIn(value: unknown): unknown[] {
  const children = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : [];
  return [value, ...children.flatMap(valuesIn)];
}

function verdictOf(validate: CompiledValidator, data: unknown): { valid: boolean; errors: CompiledValidator['errors'] } {
  const valid = validate(data);
  return { valid, errors: validate.errors };
}

describe('precompiled validators judge as ajv compiling the schema at run time', () => {
  const documents = playbookDocuments();

  it('the build wrote the validators the current schemas make (else: npm run build)', () => {
    assert.equal(readFileSync(COMPILED_SCHEMAS_PATH, 'utf8'), compiledSchemasSource(), 'the precompiled validators are stale: run `npm run build`');
  });

  for (const form of SCHEMA_FORMS) {
    it(formKey(form), () => {
      const precompiled = precompiledValidator(form);
      const fresh = new Ajv2020(AJV_OPTIONS).compile(compiledSchemaOf(form));
      const samples = documents.flatMap(({ name, value }) => (isWholeSchema(form) ? [value] : valuesIn(value)).map((data) => ({ name, data })));
      const verdicts = samples.map(({ name, data }) => {
        const expected = verdictOf(fresh, data);
        assert.deepEqual(verdictOf(precompiled, data), expected, `${name}: ${JSON.stringify(data)?.slice(0, 200)}`);
        return expected.valid;
      });
      // Both outcomes must occur, or the comparison proved nothing about errors (or about passing).
      assert.ok(verdicts.includes(true) && verdicts.includes(false), `${formKey(form)}: ${verdicts.length} samples, all ${String(verdicts[0])}`);
    });
  }

  it('covers every playbook fixture that parses', () => {
    const names = documents.map(({ name }) => name);
    assert.ok(names.includes(join('playbooks', 'helloworld.yml')));
    assert.ok(names.includes(join('test', 'fixtures', 'playbooks', 'valid', 'full.yml')));
    assert.ok(names.filter((name) => name.includes(join('playbooks', 'invalid'))).length >= 15, names.join(', '));
  });
});

function isWholeSchema(form: SchemaForm): boolean {
  return form.selection?.definition === undefined;
}

describe('loading the precompiled validators', () => {
  it('a form the build did not precompile is an error that says to build', () => {
    const error = catchError(() => precompiledValidator({ schemaFile: 'playbook.schema.json', selection: { definition: 'play' } }));
    assert.ok(error instanceof OctoiError, String(error));
    assert.match(error.message, /playbook\.schema\.json\/play/);
    assert.match(error.diagnostics[0]?.hint ?? '', /npm run build/);
  });

  it('ajv itself is loaded only to explain a failed alternative (oneOf/anyOf)', () => {
    const loaded = (playbook: string): string[] => {
      const script = `
        import { createRequire } from 'node:module';
        const { loadPlaybook } = await import(${JSON.stringify(join(root, 'dist', 'lib', 'config', 'playbook.js'))});
        await loadPlaybook(${JSON.stringify(join(root, playbook))}).catch(() => {});
        const cache = createRequire(import.meta.url).cache;
        console.log(JSON.stringify(Object.keys(cache).filter((path) => path.includes('/node_modules/ajv/')).map((path) => path.split('/node_modules/ajv/')[1])));`;
      return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as string[];
    };
    const runtimeOnly = ['dist/runtime/ucs2length.js'];
    assert.deepEqual(loaded(join('playbooks', 'helloworld.yml')), runtimeOnly);
    assert.deepEqual(loaded(join('test', 'fixtures', 'playbooks', 'invalid', 'unknown-key.yml')), runtimeOnly);
    assert.ok(loaded(join('test', 'fixtures', 'playbooks', 'invalid', 'port-out-of-range.yml')).includes('dist/2020.js'));
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return assert.fail('no error was thrown');
}
