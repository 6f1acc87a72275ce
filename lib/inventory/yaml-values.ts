import { readYamlSource, type YamlResult } from '../config/yaml-source.js';

/** Inventories and their variable files are YAML 1.1, as Ansible reads them (`yes` is true, `0644` is 420). */
export function readInventoryYaml(file: string): Promise<YamlResult> {
  return readYamlSource(file, { version: '1.1' });
}

/**
 * Values as Ansible shows them: a YAML timestamp becomes its ISO text (`2024-01-02` for a date alone),
 * since Ansible prints dates that way and octoi's variables are plain JSON data.
 */
export function ansibleValue(value: unknown): unknown {
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(value)) return value.map(ansibleValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, ansibleValue(item)]));
  }
  return value;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}
