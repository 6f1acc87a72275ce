/**
 * The inventory cases under test/fixtures/inventories/ and the real Ansible run on them: each case
 * folder holds inventory sources and a case.json naming the sources, host patterns and limits.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../lib/paths.js';

export const inventoryFixtures = join(packageRoot(), 'test', 'fixtures', 'inventories');

export interface InventoryCase {
  name: string;
  dir: string;
  /** `-i` arguments: paths inside the case folder, or host lists such as "a,b,". */
  sources: string[];
  /** `--playbook-dir`: a folder of the case whose group_vars/ and host_vars/ are read too. */
  playbookDir?: string;
  patterns: string[];
  /** [pattern, limit] pairs; a limit `@FILE` names a file of the case folder. */
  limits: [string, string][];
}

/** What Ansible printed for a case, kept beside it as expected.json. */
export interface AnsibleOutputs {
  list: unknown;
  graph: string;
  /** Hosts per pattern; [] where Ansible matched nothing. */
  listHosts: Record<string, string[]>;
  /** Hosts per limits entry, in the same order. */
  limited: string[][];
}

export function inventoryCases(): InventoryCase[] {
  return readdirSync(inventoryFixtures, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(inventoryFixtures, entry.name, 'case.json')))
    .map((entry) => {
      const dir = join(inventoryFixtures, entry.name);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Omit<InventoryCase, 'name' | 'dir'>;
      return {
        name: entry.name,
        dir,
        sources: spec.sources.map((source) => (source.includes(',') ? source : join(dir, source))),
        ...(spec.playbookDir === undefined ? {} : { playbookDir: join(dir, spec.playbookDir) }),
        patterns: spec.patterns,
        limits: spec.limits.map(([pattern, limit]) => [pattern, limit.startsWith('@') ? `@${join(dir, limit.slice(1))}` : limit]),
      };
    });
}

export function capturedOutputs(testCase: InventoryCase): AnsibleOutputs {
  return JSON.parse(readFileSync(join(testCase.dir, 'expected.json'), 'utf8')) as AnsibleOutputs;
}

/** Runs Ansible's commands hermetically: a fresh HOME, temp dir, empty config, no colour, cwd outside the fixtures. */
export class Ansible {
  private readonly home = mkdtempSync(join(tmpdir(), 'octoi-ansible-'));
  private readonly env: NodeJS.ProcessEnv;

  constructor() {
    const config = join(this.home, 'ansible.cfg');
    writeFileSync(config, '');
    this.env = {
      PATH: process.env['PATH'],
      HOME: this.home,
      ANSIBLE_CONFIG: config,
      ANSIBLE_LOCAL_TEMP: join(this.home, 'tmp'),
      ANSIBLE_INVENTORY_UNPARSED_FAILED: '1',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_DEPRECATION_WARNINGS: '0',
      LC_ALL: 'C.UTF-8',
    };
  }

  /** The text of `ansible-inventory --list`, without its final newline. */
  async list(sources: string[], playbookDir?: string): Promise<string> {
    return (await this.run('ansible-inventory', [...inventoryArgs(sources, playbookDir), '--list'])).replace(/\n$/, '');
  }

  async graph(sources: string[], playbookDir?: string): Promise<string> {
    return (await this.run('ansible-inventory', [...inventoryArgs(sources, playbookDir), '--graph'])).replace(/\n$/, '');
  }

  /** `ansible-inventory --host HOST`, parsed. */
  async host(sources: string[], host: string, playbookDir?: string): Promise<unknown> {
    return JSON.parse(await this.run('ansible-inventory', [...inventoryArgs(sources, playbookDir), '--host', host]));
  }

  /**
   * What `{{ expression }}` renders to for each host of `pattern`, as a play sees it (`ansible -m debug`,
   * which contacts no host): Ansible's own templating of the host's variables.
   */
  async rendered(sources: string[], pattern: string, expression: string, playbookDir?: string): Promise<Record<string, unknown>> {
    const output = await this.run('ansible', [...inventoryArgs(sources, playbookDir), pattern, '-o', '-m', 'debug', '-a', `msg={{ ${expression} }}`]);
    const result: Record<string, unknown> = {};
    for (const line of output.split('\n').filter(Boolean)) {
      const match = /^(\S+) \| SUCCESS => (\{.*\})$/.exec(line);
      if (!match) throw new Error(`unexpected output of ansible -m debug: ${line}`);
      result[match[1] as string] = (JSON.parse(match[2] as string) as { msg: unknown }).msg;
    }
    return result;
  }

  /** `ansible PATTERN --list-hosts` without its header; [] when Ansible matched nothing (it may exit 1 then). */
  async listHosts(sources: string[], pattern: string, limit?: string, playbookDir?: string): Promise<string[]> {
    const args = [...inventoryArgs(sources, playbookDir), pattern, '--list-hosts', ...(limit === undefined ? [] : ['--limit', limit])];
    const output = await this.run('ansible', args, true);
    return output
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter(Boolean);
  }

  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }

  private run(command: string, args: string[], noHostsIsEmpty = false): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(command, args, { cwd: this.home, env: this.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`${command} is not on PATH: the differential inventory tests need Ansible (Debian: apt-get install ansible)`));
        } else if (error && noHostsIsEmpty && stderr.includes('leaves us with no hosts to target')) {
          resolve('hosts (0):\n');
        } else if (error) {
          reject(new Error(`${command} ${args.join(' ')} failed: ${stderr}`));
        } else {
          resolve(stdout);
        }
      });
    });
  }
}

function inventoryArgs(sources: string[], playbookDir: string | undefined): string[] {
  return [...sources.flatMap((source) => ['-i', source]), ...(playbookDir === undefined ? [] : ['--playbook-dir', playbookDir])];
}

/** Runs `work` over `items`, `width` at a time: Ansible takes a second or so per call. */
export async function inBatches<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** Asks Ansible for everything a case checks. */
export async function ansibleOutputs(ansible: Ansible, testCase: InventoryCase): Promise<AnsibleOutputs> {
  const { sources, playbookDir } = testCase;
  const listHosts = await inBatches(testCase.patterns, 4, (pattern) => ansible.listHosts(sources, pattern, undefined, playbookDir));
  return {
    list: JSON.parse(await ansible.list(sources, playbookDir)),
    graph: await ansible.graph(sources, playbookDir),
    listHosts: Object.fromEntries(testCase.patterns.map((pattern, i) => [pattern, listHosts[i] as string[]])),
    limited: await inBatches(testCase.limits, 4, ([pattern, limit]) => ansible.listHosts(sources, pattern, limit, playbookDir)),
  };
}
