import type { YamlPath, YamlSource } from '../source/yaml-source.js';
import { closestMatch } from '../source/suggest.js';
import type { Diagnostic } from '../diagnostics.js';
import { expandHostEntry, HostRangeError } from './host-range.js';
import { InventoryRuleError, type InventoryData } from './inventory-data.js';
import { isMapping } from '../source/yaml-values.js';

/**
 * The YAML inventory format, read as Ansible's `yaml` inventory plugin reads it: top-level keys are
 * groups, each with optional `hosts:`, `children:` and `vars:` mappings.
 */
const sections = ['vars', 'children', 'hosts'] as const;

/** Whether a parsed YAML document is a YAML inventory; Ansible tries the INI format on anything else. */
export function isYamlInventory(value: unknown): value is Record<string, unknown> {
  return isMapping(value) && Object.keys(value).length > 0 && !value['plugin'];
}

export function readYamlInventory(source: YamlSource, data: InventoryData, diagnostics: Diagnostic[]): void {
  const reader = new YamlInventoryReader(source, data, diagnostics);
  for (const [group, groupData] of orderedEntries(source, source.value as Record<string, unknown>, [])) {
    reader.group(group, groupData, [group]);
  }
}

class YamlInventoryReader {
  constructor(
    private readonly source: YamlSource,
    private readonly data: InventoryData,
    private readonly diagnostics: Diagnostic[],
  ) {}

  group(name: string, groupData: unknown, path: YamlPath): void {
    if (!this.isTextKey('group', path)) return;
    if (groupData !== null && !isMapping(groupData)) {
      this.report('warning', `skipping ${name}: a group must be a mapping (with hosts:, children:, vars:) or empty`, path, 'Ansible ignores it too; write it as "NAME:" followed by its hosts:, children: or vars:');
      return;
    }
    if (!this.apply(() => this.data.addGroup(name), path) || groupData === null) return;
    for (const [key, raw] of orderedEntries(this.source, groupData, path)) {
      const at = [...path, key];
      const value = typeof raw === 'string' && (sections as readonly string[]).includes(key) ? { [raw]: null } : raw;
      if (value === null) continue;
      if (!isMapping(value)) {
        const isSection = (sections as readonly string[]).includes(key);
        this.report(isSection ? 'error' : 'warning', `"${key}" of group ${name} must be a mapping, not ${describe(value)}`, at, isSection ? `write each entry as "NAME:" on its own line under ${key}:` : 'Ansible skips it');
        continue;
      }
      if (key === 'vars') {
        for (const [variable, item] of Object.entries(value)) this.apply(() => this.data.setGroupVariable(name, variable, item), [...at, variable]);
      } else if (key === 'children') {
        for (const [child, childData] of orderedEntries(this.source, value, at)) {
          this.group(child, childData, [...at, child]);
          this.apply(() => this.data.addChild(name, child), [...at, child]);
        }
      } else if (key === 'hosts') {
        for (const [entry, hostVars] of orderedEntries(this.source, value, at)) this.hosts(name, entry, hostVars, [...at, entry]);
      } else {
        const guess = closestMatch(key, sections);
        this.report('warning', `skipping unexpected key "${key}" in group ${name}: only vars, children and hosts are read`, at, guess ? `did you mean "${guess}"?` : 'Ansible skips it too');
      }
    }
  }

  private hosts(group: string, entry: string, hostVars: unknown, path: YamlPath): void {
    if (!this.isTextKey('host', path)) return;
    const vars = hostVars || {};
    if (!isMapping(vars)) {
      this.report('error', `the variables of host ${entry} must be a mapping, not ${describe(vars)}`, path, 'write "name: value" pairs under the host, or nothing');
      return;
    }
    this.apply(() => {
      const { hostnames, port } = expandHostEntry(entry);
      for (const host of hostnames) {
        this.data.addHost(host, group, port);
        for (const [key, value] of Object.entries(vars)) this.data.setHostVariable(host, key, value);
      }
    }, path);
  }

  /**
   * Ansible refuses a group or host name that YAML reads as something other than text (`1234:`,
   * `yes:`, `1.5:`, `~:`), rather than turning it into a string.
   */
  private isTextKey(kind: 'group' | 'host', path: YamlPath): boolean {
    const key = this.source.keyAt(path);
    if (!key || typeof key.value === 'string') return true;
    const reading = key.value === null ? 'null' : typeof key.value === 'boolean' ? `the boolean ${key.value}` : `the number ${key.value as number}`;
    this.report('error', `${kind} name ${key.text} must be a string, but YAML 1.1 reads it as ${reading}`, path, `enclose it in quotation marks: "${key.text}":`);
    return false;
  }

  /** Runs one change to the inventory, turning a broken rule into a diagnostic at `path`. */
  private apply(change: () => void, path: YamlPath): boolean {
    try {
      change();
      return true;
    } catch (error) {
      if (!(error instanceof InventoryRuleError || error instanceof HostRangeError)) throw error;
      const hint = error instanceof InventoryRuleError ? error.hint : 'write ranges as [01:20], [a:f] or [1:10:2]';
      this.report('error', error.message, path, hint ?? 'fix the inventory here');
      return false;
    }
  }

  private report(severity: Diagnostic['severity'], message: string, path: YamlPath, hint: string): void {
    this.diagnostics.push({ severity, message, hint, position: this.source.positionOf(path, 'key') });
  }
}

/** A mapping's entries in the order of the file, which decides the order of groups and hosts. */
function orderedEntries(source: YamlSource, mapping: Record<string, unknown>, path: YamlPath): [string, unknown][] {
  const written = source.keysAt(path).filter((key) => Object.hasOwn(mapping, key));
  const keys = written.length === Object.keys(mapping).length ? [...new Set(written)] : Object.keys(mapping);
  return keys.map((key) => [key, mapping[key]]);
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`;
}
