import { OctoiError, type Diagnostic } from '../diagnostics.js';
import { shlexSplit, ShlexError } from '../source/shlex.js';
import { mergeVariables, type Variables } from '../template/variables.js';
import type { VaultKeyring } from '../source/vault.js';
import { parseInventoryYaml, readInventoryYaml } from '../source/yaml-values.js';
import type { YamlResult } from '../source/yaml-source.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The `-e`/`--extra-vars` options, read as Ansible reads them: `@FILE` (YAML or JSON), inline
 * `{...}` YAML/JSON (YAML 1.1 as for inventories, `!vault` values included), or `key=value` words (values stay text). Later options win. Throws
 * `OctoiError('invalid-input')` with every problem found.
 */
export async function readExtraVars(options: readonly string[], keyring?: VaultKeyring): Promise<Variables> {
  const layers: Variables[] = [];
  const problems: Diagnostic[] = [];
  for (const option of options) {
    const result = await extraVarsOption(option, keyring);
    if ('problems' in result) problems.push(...result.problems);
    else layers.push(result.variables);
  }
  if (problems.length > 0) throw new OctoiError('invalid-input', problems);
  return mergeVariables(...layers);
}

type OptionResult = { variables: Variables } | { problems: Diagnostic[] };

async function extraVarsOption(option: string, keyring: VaultKeyring | undefined): Promise<OptionResult> {
  const problem = (message: string, hint: string): OptionResult => ({ problems: [{ severity: 'error', message: `-e ${JSON.stringify(option)}: ${message}`, hint }] });
  if (option.startsWith('@')) {
    return mappingOf(await readInventoryYaml(option.slice(1), keyring), (message) => problem(message, 'the file must hold a mapping of variable names to values'));
  }
  if (option.startsWith('{') || option.startsWith('[')) {
    const parsed = parseInventoryYaml('--extra-vars', option, keyring);
    if (!parsed.source) return problem(parsed.diagnostics.map((d) => d.message).join('; '), "quote the option for the shell: -e '{\"port\": 8080}'");
    return mappingOf(parsed, (message) => problem(message, 'write a mapping: {"name": value}'));
  }
  let words: string[];
  try {
    words = shlexSplit(option);
  } catch (error) {
    if (!(error instanceof ShlexError)) throw error;
    return problem(`cannot split into words: ${error.message}`, 'close every quote');
  }
  const variables = new Map<string, unknown>();
  for (const word of words) {
    const equals = word.indexOf('=');
    const name = word.slice(0, Math.max(equals, 0));
    if (equals < 0 || !NAME.test(name)) {
      return problem(`${JSON.stringify(word)} is not NAME=VALUE`, 'write -e name=value (a name is a letter or _ then letters, digits or _), -e @FILE or -e \'{"name": value}\'');
    }
    variables.set(name, word.slice(equals + 1));
  }
  return { variables };
}

function mappingOf(parsed: YamlResult, notMapping: (message: string) => OptionResult): OptionResult {
  if (!parsed.source) return { problems: parsed.diagnostics };
  const value = parsed.source.value;
  if (value === null || value === undefined) return { variables: new Map() };
  if (typeof value !== 'object' || Array.isArray(value)) return notMapping(`holds ${Array.isArray(value) ? 'a list' : 'a single value'}, not a mapping of variables`);
  return { variables: mergeVariables(value as Record<string, unknown>) };
}
