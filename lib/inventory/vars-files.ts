import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { VaultKeyring } from '../source/vault.js';
import { isMapping, readInventoryYaml } from '../source/yaml-values.js';

/**
 * `group_vars/` and `host_vars/` beside an inventory source, read the way Ansible's host_group_vars
 * plugin reads them.
 */
type VarsKind = 'group_vars' | 'host_vars';

export interface VarsDirectory {
  /** Merged variables of each group / host that has files; the others are absent. */
  groups: Map<string, EntityVars>;
  hosts: Map<string, EntityVars>;
}

/** The variables of one group or host, and the file each was read from (the last one that set it). */
export interface EntityVars {
  vars: Record<string, unknown>;
  fileOf: Record<string, string>;
}

const extensions = ['', '.yml', '.yaml', '.json'];

export async function loadVarsDirectory(
  baseDir: string,
  groups: Iterable<string>,
  hosts: Iterable<string>,
  diagnostics: Diagnostic[],
  keyring: VaultKeyring,
): Promise<VarsDirectory> {
  const load = async (kind: VarsKind, names: Iterable<string>): Promise<Map<string, EntityVars>> => {
    const result = new Map<string, EntityVars>();
    if (!(await isDirectory(join(baseDir, kind)))) return result;
    for (const name of names) {
      // Ansible skips names that look like absolute paths (chroot hosts).
      if (name.startsWith('/')) continue;
      const vars = await loadEntityVars(join(baseDir, kind), name, diagnostics, keyring);
      if (vars) result.set(name, vars);
    }
    return result;
  };
  return { groups: await load('group_vars', groups), hosts: await load('host_vars', hosts) };
}

/** The first of NAME, NAME.yml, NAME.yaml, NAME.json that exists; a directory is read whole, in sorted order. */
async function loadEntityVars(dir: string, name: string, diagnostics: Diagnostic[], keyring: VaultKeyring): Promise<EntityVars | null> {
  for (const extension of extensions) {
    const path = join(dir, name + extension);
    const info = await stat(path).catch(() => null);
    if (!info) continue;
    const files = info.isDirectory() ? await filesOfDirectory(path) : [path];
    let merged: EntityVars | null = null;
    for (const file of files) {
      const vars = await readVarsFile(file, diagnostics, keyring);
      if (!vars) continue;
      merged ??= { vars: {}, fileOf: {} };
      Object.assign(merged.vars, vars);
      for (const variable of Object.keys(vars)) merged.fileOf[variable] = resolve(file);
    }
    return merged;
  }
  return null;
}

async function filesOfDirectory(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const path = join(dir, entry);
    const extension = extname(entry);
    const info = await stat(path);
    if (info.isDirectory() && !extension) found.push(...(await filesOfDirectory(path)));
    else if (info.isFile() && extensions.includes(extension)) found.push(path);
  }
  return found;
}

/** `null` for an empty file, which Ansible ignores. */
async function readVarsFile(file: string, diagnostics: Diagnostic[], keyring: VaultKeyring): Promise<Record<string, unknown> | null> {
  const { source, diagnostics: problems } = await readInventoryYaml(file, keyring);
  if (!source) {
    diagnostics.push(...problems);
    return null;
  }
  if (source.value === null || source.value === undefined || source.value === '') return null;
  if (!isMapping(source.value)) {
    diagnostics.push({
      severity: 'error',
      message: `a variables file must hold a mapping of names to values, not ${Array.isArray(source.value) ? 'a list' : 'a scalar'}`,
      hint: 'write one "name: value" line per variable',
      position: source.positionOf([]),
    });
    return null;
  }
  return source.value;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}
