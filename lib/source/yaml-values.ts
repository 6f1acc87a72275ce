import type { ScalarTag } from 'yaml';
import { parseYamlSource, readYamlText, type YamlOptions, type YamlResult } from './yaml-source.js';
import type { Diagnostic, SourcePosition } from '../diagnostics.js';
import { ansibleTags } from './ansible-yaml.js';
import { isVaulted, VaultedValue, VaultError, VaultKeyring } from './vault.js';

/**
 * Inventories and their variable files as Ansible's loader reads them: YAML 1.1 with PyYAML's
 * resolvers (`yes` is true, `0644` is 420, `y` and `1e3` are text), `!vault` values kept encrypted
 * until used, and whole files encrypted with ansible-vault decrypted first.
 */
function ansibleYamlOptions(keyring: VaultKeyring = new VaultKeyring()): YamlOptions {
  const vaultTags = ['!vault', '!vault-encrypted'].map((tag): ScalarTag => ({ tag, resolve: (text) => new VaultedValue(text, keyring) }));
  return { version: '1.1', customTags: ansibleTags(vaultTags) };
}

export function parseInventoryYaml(file: string, text: string, keyring: VaultKeyring = new VaultKeyring()): YamlResult {
  const plain = decryptedText(file, text, keyring);
  if ('problem' in plain) return { source: null, diagnostics: [plain.problem] };
  const parsed = parseYamlSource(file, plain.text, ansibleYamlOptions(keyring));
  const json = parsed.source ? jsonValue(plain.text, keyring, { file, line: 1, column: 1 }) : undefined;
  return json === undefined || !parsed.source ? parsed : { source: { ...parsed.source, value: json.value }, diagnostics: [] };
}

/**
 * Ansible's loader tries JSON before YAML, so text that is JSON keeps JSON's numbers (`1e3` is 1000,
 * which YAML 1.1 reads as text); `{"__ansible_vault": …}` is a vaulted value, as its JSON decoder reads it.
 */
function jsonValue(text: string, keyring: VaultKeyring, origin: SourcePosition): { value: unknown } | undefined {
  const reviver = (_key: string, value: unknown): unknown => {
    if (!isMapping(value) || Object.keys(value).length !== 1 || typeof value['__ansible_vault'] !== 'string') return value;
    const vaulted = new VaultedValue(value['__ansible_vault'], keyring);
    vaulted.placeAt(origin);
    return vaulted;
  };
  try {
    return { value: JSON.parse(text, reviver) };
  } catch {
    return undefined;
  }
}

/** The text of a file, decrypted first if ansible-vault encrypted it whole (Ansible's loader does so for every file). */
export function decryptedText(file: string, text: string, keyring: VaultKeyring): { text: string } | { problem: Diagnostic } {
  if (!isVaulted(text)) return { text };
  try {
    return { text: keyring.decrypt(text, `the file ${file}`).toString('utf8') };
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    return { problem: { severity: 'error', message: error.message, hint: error.hint, position: { file, line: 1, column: 1 } } };
  }
}

export async function readInventoryYaml(file: string, keyring: VaultKeyring = new VaultKeyring()): Promise<YamlResult> {
  const read = await readYamlText(file);
  return 'text' in read ? parseInventoryYaml(file, read.text, keyring) : read.failure;
}

/** A YAML mapping as plain data (not a list, and not a `!vault` value). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
