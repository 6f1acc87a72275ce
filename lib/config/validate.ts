import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, SchemaObject, ValidateFunction } from 'ajv/dist/2020.js';
import { OctoiError, type Diagnostic } from '../diagnostics.js';
import { COMPILED_SCHEMAS_PATH, formKey, selectedSchema, type SchemaForm, type SchemaSelection } from './schema-forms.js';
import { closestMatch } from '../source/suggest.js';
import type { YamlPath, YamlSource } from '../source/yaml-source.js';
import { controlCharacterIn } from '../units/unit-syntax.js';

/** Checks a parsed YAML document against a JSON Schema, reporting each problem where it was written. */
export type SourceValidator = (source: YamlSource) => Diagnostic[];

/** Checks `value`, found at path `at` of `source` (or standing in for what is written there). */
export type ValueValidator = (value: unknown, source: YamlSource, at: YamlPath) => Diagnostic[];

/** A validator as ajv's standalone code exports it: the check, then the errors of the last call. */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/**
 * Checks against `schema/<schemaFile>` (draft 2020-12, strict), precompiled by the build.
 * `rootName` names the document in field paths: `plays` gives `plays[0].services[1].listen`.
 */
export function schemaValidator(schemaFile: string, rootName: string): SourceValidator {
  const validate = valueValidator(schemaFile, rootName);
  return (source) => validate(source.value, source, []);
}

/** `schemaValidator` for a part of a document, or for a form of the schema (`selection`). */
export function valueValidator(schemaFile: string, rootName: string, selection: SchemaSelection = {}): ValueValidator {
  const form: SchemaForm = { schemaFile, selection };
  const validate = precompiledValidator(form);
  const evaluate = branchEvaluator(form);
  return (value, source, at) => {
    if (validate(value)) return [];
    return collapseAlternatives(validate.errors ?? [], evaluate)
      .map((error) => toDiagnostic(source, rootName, error, at))
      .filter(unique)
      .sort(byPosition);
  };
}

const requireHere = createRequire(import.meta.url);
let compiledSchemas: Partial<Record<string, CompiledValidator>> | undefined;

/** The build's validator for `form`; loaded on first use, so commands that validate nothing skip it. */
export function precompiledValidator(form: SchemaForm): CompiledValidator {
  compiledSchemas ??= loadCompiledSchemas();
  const key = formKey(form);
  const validate = compiledSchemas[key];
  if (!validate) throw buildNeeded(`no precompiled schema validator for \`${key}\``, 'run `npm run build`; a form missing from SCHEMA_FORMS is never precompiled');
  return validate;
}

function loadCompiledSchemas(): Partial<Record<string, CompiledValidator>> {
  if (!existsSync(COMPILED_SCHEMAS_PATH)) {
    throw buildNeeded(`the precompiled schema validators are missing: ${COMPILED_SCHEMAS_PATH}`, 'run `npm run build`: it compiles octoi, then precompiles the schemas');
  }
  return requireHere(COMPILED_SCHEMAS_PATH) as Partial<Record<string, CompiledValidator>>;
}

function buildNeeded(message: string, hint: string): OctoiError {
  return OctoiError.single('internal', { message, hint });
}

/**
 * Checks branches of alternatives alone, for the error report only: ajv is loaded, and a branch
 * compiled, when an alternative failed. The whole schema passed the strict compile of the build.
 */
function branchEvaluator(form: SchemaForm): Evaluate {
  let branchChecker: Ajv2020 | undefined;
  let defs: unknown;
  const branchValidators = new WeakMap<SchemaObject, ValidateFunction>();
  return (branch, data) => {
    let check = branchValidators.get(branch);
    if (!check) {
      branchChecker ??= newBranchChecker();
      defs ??= selectedSchema(form)['$defs'];
      check = branchChecker.compile({ ...branch, $defs: defs });
      branchValidators.set(branch, check);
    }
    return check(data) ? [] : [...(check.errors ?? [])];
  };
}

/** Ajv itself, required (it is CommonJS) only here: runs load it just to explain a failure. */
function newBranchChecker(): Ajv2020 {
  const ajv = requireHere('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  return new ajv.Ajv2020({ strict: false, allErrors: true, verbose: true });
}

type Evaluate = (schema: SchemaObject, data: unknown) => ErrorObject[];

/**
 * Ajv reports every branch of a failed oneOf/anyOf, each right before the alternative's own error.
 * Replace that run with the errors of the branch the author evidently meant (its kind of value
 * matched, so the fault is inside it), or else keep one error naming the allowed forms. Branches
 * are re-validated one by one because errors that come through a `$ref` do not say their branch.
 */
function collapseAlternatives(errors: readonly ErrorObject[], evaluate: Evaluate): ErrorObject[] {
  const kept: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword === 'propertyNames') continue; // the failing name has its own error
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
      while (kept.length > 0 && isBranchError(kept[kept.length - 1]!, error)) kept.pop();
      kept.push(...intendedBranch(error, evaluate));
    } else {
      kept.push(error);
    }
  }
  return kept;
}

/** Whether `error` came from inside `alternative` rather than from a keyword beside it. */
function isBranchError(error: ErrorObject, alternative: ErrorObject): boolean {
  const at = alternative.instancePath;
  if (error.instancePath !== at && !error.instancePath.startsWith(`${at}/`)) return false;
  const besideAlternative = alternative.schemaPath.slice(0, alternative.schemaPath.lastIndexOf('/') + 1);
  if (!error.schemaPath.startsWith(besideAlternative)) return true;
  // A path into $defs is a referenced schema: evaluation reaches it only from inside a branch.
  const rest = error.schemaPath.slice(besideAlternative.length);
  return rest.startsWith(`${alternative.keyword}/`) || rest.startsWith('$defs/');
}

function intendedBranch(alternative: ErrorObject, evaluate: Evaluate): ErrorObject[] {
  if (alternative.params['passingSchemas'] !== null && alternative.params['passingSchemas'] !== undefined) return [alternative];
  const branches = (Array.isArray(alternative.schema) ? alternative.schema : []) as SchemaObject[];
  for (const branch of branches) {
    const raw = evaluate(branch, alternative.data).map((error) => ({ ...error, instancePath: `${alternative.instancePath}${error.instancePath}` }));
    const errors = collapseAlternatives(raw, evaluate);
    const atSameValue = errors.filter((error) => error.instancePath === alternative.instancePath);
    const wrongKind = atSameValue.some((error) => ['type', 'const', 'enum', 'oneOf', 'anyOf'].includes(error.keyword));
    const onlyMissingKey = atSameValue.length === errors.length && errors.every((error) => error.keyword === 'required');
    if (errors.length > 0 && !wrongKind && !onlyMissingKey) return errors;
  }
  return [alternative];
}

function toDiagnostic(source: YamlSource, rootName: string, error: ErrorObject, at: YamlPath): Diagnostic {
  const path = [...at, ...pointerToPath(error.instancePath)];
  const key = error.keyword === 'additionalProperties' ? String(error.params['additionalProperty']) : error.propertyName;
  const fieldPath = key === undefined ? path : [...path, key];
  const field = fieldName(rootName, fieldPath);
  const described = describe(error, `\`${labelOf(rootName, path)}\``);
  return {
    severity: 'error',
    message: described.message,
    ...(described.hint ? { hint: described.hint } : {}),
    position: source.positionOf(fieldPath, key === undefined ? 'value' : 'key'),
    field,
  };
}

interface Described {
  message: string;
  hint?: string | undefined;
}

function describe(error: ErrorObject, label: string): Described {
  const schema = (error.parentSchema ?? {}) as SchemaObject;
  const hint = typeof schema['description'] === 'string' ? schema['description'] : undefined;
  const params = error.params;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((schema['properties'] ?? {}) as object);
      const guess = closestMatch(key, allowed);
      return {
        message: `unknown key \`${key}\``,
        hint: guess ? `did you mean \`${guess}\`?` : `allowed keys here: ${allowed.join(', ')}`,
      };
    }
    case 'required':
      return { message: `missing required key \`${String(params['missingProperty'])}\``, hint };
    case 'type':
      return typeMismatch(label, String(params['type']), error.data);
    case 'const':
    case 'enum': {
      const allowed = (error.keyword === 'const' ? [params['allowedValue']] : (params['allowedValues'] as unknown[])).map(String);
      const guess = typeof error.data === 'string' ? closestMatch(error.data, allowed) : null;
      return {
        message: `${label} must be ${allowed.map((value) => `\`${value}\``).join(' or ')}, not ${shown(error.data)}`,
        hint: guess ? `did you mean \`${guess}\`?` : hint,
      };
    }
    case 'pattern': {
      const value = String(error.data);
      const control = controlCharacterIn(value);
      const subject = error.propertyName === undefined ? `${label} ${shown(value)}` : `key ${shown(value)}`;
      if (control) return { message: `${subject} contains ${control}`, hint: 'values are written into files one line each: remove the control character' };
      return { message: `${subject} is not valid`, hint };
    }
    case 'minimum':
    case 'maximum':
      return { message: `${label} ${shown(error.data)} is out of range ${rangeOf(schema)}`, hint };
    case 'minLength':
      return { message: `${label} must not be empty`, hint };
    case 'maxLength':
      return { message: `${label} is ${String(error.data).length} characters long, more than the ${String(params['limit'])} allowed`, hint };
    case 'minItems':
      return { message: `${label} must list at least ${String(params['limit'])} ${params['limit'] === 1 ? 'value' : 'values'}`, hint };
    case 'oneOf':
    case 'anyOf':
      return noBranchFits(error, label);
    default:
      return { message: `${label} ${error.message ?? 'is not valid'}`, hint };
  }
}

function noBranchFits(error: ErrorObject, label: string): Described {
  const branches = (Array.isArray(error.schema) ? error.schema : []) as SchemaObject[];
  const keys = branches.map((branch) => (Array.isArray(branch['required']) && branch['required'].length === 1 ? `\`${String(branch['required'][0])}\`` : null));
  if (keys.every((key) => key !== null)) {
    const passing: unknown = error.params['passingSchemas'];
    return { message: `${label} ${passing ? 'must have only one' : 'needs one'} of ${keys.join(' or ')}` };
  }
  const forms = branches.map((branch) => String(branch['title'] ?? 'another form'));
  return { message: `${label} must be ${forms.join(' or ')}, not ${shown(error.data)}`, hint: (error.parentSchema as SchemaObject | undefined)?.['description'] as string | undefined };
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'a mapping of keys to values',
  array: 'a list',
  null: 'empty',
};

function typeMismatch(label: string, expected: string, data: unknown): Described {
  const wanted = expected.split(',').map((type) => TYPE_WORDS[type] ?? type).join(' or ');
  const yaml11Boolean = expected === 'boolean' && typeof data === 'string' && /^(yes|no|on|off|y|n)$/i.test(data);
  return {
    message: `${label} must be ${wanted}, not ${shown(data)}`,
    ...(yaml11Boolean ? { hint: 'write true or false (in YAML 1.2 yes/no/on/off are text)' } : {}),
  };
}

function rangeOf(schema: SchemaObject): string {
  const low = schema['minimum'] as number | undefined;
  const high = schema['maximum'] as number | undefined;
  if (low !== undefined && high !== undefined) return `${String(low)}-${String(high)}`;
  return low !== undefined ? `(at least ${String(low)})` : `(at most ${String(high)})`;
}

/** A value as the author wrote it, briefly: text quoted, mappings and lists named. */
function shown(data: unknown): string {
  if (data === null || data === undefined) return 'empty';
  if (Array.isArray(data)) return 'a list';
  if (typeof data !== 'string' && typeof data !== 'number' && typeof data !== 'boolean' && typeof data !== 'bigint') return 'a mapping';
  const text = typeof data === 'string' ? JSON.stringify(data) : String(data);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function pointerToPath(pointer: string): YamlPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}

/** `plays[0].services[1].listen`; a key that is not a plain word is bracketed: `socket["a b"]`. */
export function fieldName(rootName: string, path: YamlPath): string {
  return path.reduce<string>((name, segment) => {
    if (typeof segment === 'number') return `${name}[${segment}]`;
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) return `${name}[${JSON.stringify(segment)}]`;
    return name ? `${name}.${segment}` : segment;
  }, rootName);
}

/** The last key with the indexes after it (`listen[2]`): the field path's tail the author recognises. */
function labelOf(rootName: string, path: YamlPath): string {
  const lastKey = path.map((segment) => typeof segment).lastIndexOf('string');
  return lastKey < 0 ? fieldName(rootName, path) : fieldName(String(path[lastKey]), path.slice(lastKey + 1));
}

function unique(diagnostic: Diagnostic, index: number, all: readonly Diagnostic[]): boolean {
  return all.findIndex((other) => other.message === diagnostic.message && other.field === diagnostic.field) === index;
}

export function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.column ?? 0) - (b.position?.column ?? 0);
}
