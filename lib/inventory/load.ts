import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { MAX_YAML_BYTES } from '../source/yaml-source.js';
import { hasErrors, OctoiError, type Diagnostic } from '../diagnostics.js';
import { parseAddress } from './address.js';
import { readIniInventory } from './ini-inventory.js';
import { Inventory } from './inventory.js';
import { InventoryData } from './inventory-data.js';
import { isInventoryScript, readInventoryScript, SCRIPT_TIMEOUT_MS } from './script-inventory.js';
import { loadVarsDirectory } from './vars-files.js';
import { VaultKeyring } from '../source/vault.js';
import { isYamlInventory, readYamlInventory } from './yaml-inventory.js';
import { decryptedText, isMapping, parseInventoryYaml } from '../source/yaml-values.js';

export interface LoadOptions {
  /**
   * The playbook's folder: its group_vars/ and host_vars/ are read too, as `ansible-playbook` (and
   * `ansible-inventory --playbook-dir`) reads them, winning over the inventory's of the same level.
   */
  playbookDir?: string | undefined;
  /** How long an inventory script may run (default SCRIPT_TIMEOUT_MS). */
  scriptTimeoutMs?: number;
  /** Passwords for `!vault` values and vaulted files; without them only the vaulted values used fail. */
  vault?: VaultKeyring;
}

/**
 * Loads inventory sources the way Ansible does (`-i` given several times merges them in order):
 * a YAML or INI file, an inventory script (an executable starting with `#!`), a directory of them, or a
 * comma-separated host list such as `gw1,gw2:2222,`.
 * Throws OctoiError('invalid-input') with every problem found.
 */
export async function loadInventory(sources: string[], options: LoadOptions = {}): Promise<Inventory> {
  const keyring = options.vault ?? new VaultKeyring();
  if (sources.length === 0) {
    throw OctoiError.single('invalid-input', { message: 'no inventory given', hint: 'name one with -i FILE (YAML or INI), a directory, or a host list "gw1,gw2,"' });
  }
  const data = new InventoryData();
  const diagnostics: Diagnostic[] = [];
  const varsBases: string[] = [];
  for (const source of sources) {
    const path = expandHome(source);
    const info = await stat(path).catch(() => null);
    if (!info && source.includes(',')) {
      readHostList(source, data);
    } else if (!info) {
      diagnostics.push({ severity: 'error', message: `inventory source not found: ${source}`, hint: 'give an existing file or directory, or a host list with a comma: "gw1,"', position: { file: source, line: 1, column: 1 } });
    } else {
      varsBases.push(info.isDirectory() ? path : dirname(path));
      await readSource(path, info.isDirectory(), data, diagnostics, options.scriptTimeoutMs ?? SCRIPT_TIMEOUT_MS, keyring);
    }
  }
  fail(diagnostics);
  data.reconcile();
  const varsDirectories = [];
  for (const base of varsBases) varsDirectories.push(await loadVarsDirectory(base, data.groups.keys(), data.hosts.keys(), diagnostics, keyring));
  const playbookVars = options.playbookDir === undefined ? null : await loadVarsDirectory(resolve(options.playbookDir), data.groups.keys(), data.hosts.keys(), diagnostics, keyring);
  fail(diagnostics);
  return new Inventory(data, varsDirectories, diagnostics, playbookVars);
}

function fail(diagnostics: Diagnostic[]): void {
  if (hasErrors(diagnostics)) throw new OctoiError('invalid-input', diagnostics);
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** What Ansible skips in an inventory directory: hidden files, vars directories, and these extensions. */
const ignoredEntry =
  /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;

async function readSource(path: string, isDirectory: boolean, data: InventoryData, diagnostics: Diagnostic[], scriptTimeoutMs: number, keyring: VaultKeyring): Promise<void> {
  if (isDirectory) {
    for (const entry of (await readdir(path)).sort()) {
      if (ignoredEntry.test(entry)) continue;
      const child = join(path, entry);
      await readSource(child, (await stat(child)).isDirectory(), data, diagnostics, scriptTimeoutMs, keyring);
    }
    return;
  }
  data.currentSource = resolve(path);
  if (await isInventoryScript(path)) {
    await readInventoryScript(path, data, diagnostics, scriptTimeoutMs);
    data.currentSource = null;
    return;
  }
  const size = (await stat(path)).size;
  if (size > MAX_YAML_BYTES) {
    diagnostics.push({ severity: 'error', message: `the inventory is ${size} bytes, more than the ${MAX_YAML_BYTES} octoi reads`, hint: 'split it into several files in a directory', position: { file: path, line: 1, column: 1 } });
    return;
  }
  readInventoryFile(path, await readFile(path, 'utf8'), data, diagnostics, keyring);
  data.currentSource = null;
}

const yamlExtensions = ['', '.yml', '.yaml', '.json'];

/**
 * Like Ansible, a file with a YAML extension (or none) that holds a YAML mapping is a YAML inventory;
 * any other file is read as INI. A YAML-named file that is neither reports its YAML problems.
 */
function readInventoryFile(file: string, encrypted: string, data: InventoryData, diagnostics: Diagnostic[], keyring: VaultKeyring): void {
  const plain = decryptedText(file, encrypted, keyring);
  if ('problem' in plain) {
    diagnostics.push(plain.problem);
    return;
  }
  const { text } = plain;
  const extension = extname(file);
  if (yamlExtensions.includes(extension)) {
    const { source, diagnostics: yamlProblems } = parseInventoryYaml(file, text, keyring);
    if (source && isYamlInventory(source.value)) {
      readYamlInventory(source, data, diagnostics);
      return;
    }
    const plugin = source && isMapping(source.value) ? source.value['plugin'] : undefined;
    if (typeof plugin === 'string') {
      diagnostics.push({
        severity: 'error',
        message: `inventory plugin ${plugin} is not supported: octoi reads YAML and INI inventories and inventory scripts`,
        hint: `let Ansible run the plugin from an inventory script (executable, for -i): #!/bin/sh + exec ansible-inventory -i ${resolve(file)} --list`,
        position: source?.positionOf(['plugin']) ?? { file, line: 1, column: 1 },
      });
      return;
    }
    const iniProblems: Diagnostic[] = [];
    readIniInventory(file, text, data, iniProblems);
    if (!hasErrors(iniProblems) || extension === '') {
      diagnostics.push(...iniProblems);
      return;
    }
    diagnostics.push(
      ...(yamlProblems.length > 0
        ? yamlProblems
        : [{ severity: 'error' as const, message: 'a YAML inventory must be a mapping of group names (such as all:) to their hosts, children and vars', hint: 'start with "all:" and list hosts under "hosts:"; inventory plugin configurations (plugin:) are not supported', position: source?.positionOf([]) ?? { file, line: 1, column: 1 } }]),
    );
    return;
  }
  readIniInventory(file, text, data, diagnostics);
}

/** Ansible's `host_list` source: `gw1,gw2:2222,` puts each host in `ungrouped`. */
function readHostList(list: string, data: InventoryData): void {
  for (const item of list.split(',').map((entry) => entry.trim()).filter(Boolean)) {
    const address = parseAddress(item);
    const plain = address && !address.host.includes('[') ? address : { host: item, port: null };
    if (!data.hosts.has(plain.host)) data.addHost(plain.host, 'ungrouped', plain.port);
  }
}
