import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv2020, type SchemaObject } from 'ajv/dist/2020.js';
import { packageRoot } from '../../lib/paths.js';

test('every shipped schema is valid JSON Schema 2020-12 (runs skip this check)', () => {
  const folder = join(packageRoot(), 'schema');
  const files = readdirSync(folder).filter((file) => file.endsWith('.json'));
  assert.ok(files.length > 0);
  for (const file of files) {
    const ajv = new Ajv2020({ strict: true });
    const schema = JSON.parse(readFileSync(join(folder, file), 'utf8')) as SchemaObject;
    assert.equal(ajv.validateSchema(schema), true, `${file}: ${ajv.errorsText(ajv.errors)}`);
    assert.doesNotThrow(() => ajv.compile(schema), file);
  }
});
