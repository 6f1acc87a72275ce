import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options, SchemaObject } from 'ajv/dist/2020.js';
import { packageRoot } from '../paths.js';

export interface SchemaSelection {
  /** Check against `$defs/<definition>` instead of the whole document. */
  definition?: string;
  /** Leave out every alternative that is a `$ref` to `$defs/<without>` (templated values, once rendered). */
  without?: string;
}

/** A schema as octoi validates with it: a shipped file, whole or in part. */
export interface SchemaForm {
  schemaFile: string;
  selection?: SchemaSelection;
}

const RENDERED = { without: 'template' } as const;

/** Every form octoi validates with: the build precompiles exactly these. */
export const SCHEMA_FORMS: readonly SchemaForm[] = [
  { schemaFile: 'playbook.schema.json' },
  { schemaFile: 'playbook.schema.json', selection: { definition: 'service', ...RENDERED } },
  { schemaFile: 'playbook.schema.json', selection: { definition: 'hosts', ...RENDERED } },
  { schemaFile: 'playbook.schema.json', selection: { definition: 'line', ...RENDERED } },
];

// The schemas ship with octoi and a test checks them against the meta-schema; code optimisation
// stays off as it was when schemas were compiled on every run, so errors keep their exact shape.
export const AJV_OPTIONS = { strict: true, allErrors: true, verbose: true, validateSchema: false, code: { optimize: false } } satisfies Options;

/** Where the build writes the precompiled validators: beside this module, in `dist/lib/config/`. */
export const COMPILED_SCHEMAS_PATH = fileURLToPath(new URL('./compiled-schemas.cjs', import.meta.url));

/** The name a form's validator is exported under: `playbook.schema.json/service/without-template`. */
export function formKey({ schemaFile, selection = {} }: SchemaForm): string {
  const parts = [schemaFile, selection.definition, selection.without === undefined ? undefined : `without-${selection.without}`];
  return parts.filter((part) => part !== undefined).join('/');
}

/** The shipped schema with the selection's alternatives left out; its `$defs` serve the selected definition. */
export function selectedSchema({ schemaFile, selection = {} }: SchemaForm): SchemaObject {
  const written = JSON.parse(readFileSync(join(packageRoot(), 'schema', schemaFile), 'utf8')) as SchemaObject;
  return selection.without === undefined ? written : (withoutAlternative(written, `#/$defs/${selection.without}`) as SchemaObject);
}

/** The schema that is compiled for a form. */
export function compiledSchemaOf(form: SchemaForm): SchemaObject {
  const schema = selectedSchema(form);
  const definition = form.selection?.definition;
  return definition === undefined ? schema : { $defs: schema['$defs'] as unknown, $ref: `#/$defs/${definition}` };
}

function withoutAlternative(schema: unknown, ref: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => withoutAlternative(item, ref));
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema as Record<string, unknown>).map(([key, value]) => {
      const kept = (key === 'anyOf' || key === 'oneOf') && Array.isArray(value) ? value.filter((branch) => (branch as SchemaObject)['$ref'] !== ref) : value;
      return [key, withoutAlternative(kept, ref)];
    }),
  );
}
