/**
 * The published types work for a TypeScript user out of the box: a consumer that depends on octoi
 * (the files `npm pack` would publish, with only octoi's production dependencies beside it) compiles
 * with the library checks on (no skipLibCheck), and loads.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { packageRoot } from '../../lib/paths.js';

const run = promisify(execFile);
const root = packageRoot();
const consumer = mkdtempSync(join(tmpdir(), 'octoi-consumer-'));
after(() => rmSync(consumer, { recursive: true, force: true }));

interface PackageJson {
  dependencies?: Record<string, string>;
}

/** Where Node would find `name` from `fromDir` (its own node_modules first, then the parents'). */
function resolvePackage(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed (needed from ${fromDir})`);
  }
}

/** octoi's production dependencies and theirs, by name: what `npm install octoi` brings. */
function productionClosure(): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (dir: string): void => {
    const { dependencies = {} } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    for (const name of Object.keys(dependencies)) {
      if (found.has(name)) continue;
      const location = resolvePackage(name, dir);
      found.set(name, location);
      visit(location);
    }
  };
  visit(root);
  return found;
}

const consumerSource = `import { apply, loadInventory, plan, resolveTargets, status, validatePlaybook, inventoryConnection, SessionPool, type ApplyOptions, type Fleet, type PlayServices, type SshTarget } from 'octoi';

const { playbook, diagnostics } = await validatePlaybook('site.yml');
const { inventory, warnings } = await loadInventory('gw1,');
const connection = inventoryConnection(inventory, 'gw1');
const target: Partial<SshTarget> = { name: connection.name };
const services: PlayServices | undefined = playbook?.plays[0]?.services;
const names = services?.kind === 'fixed' ? services.services.map((service) => service.name) : [];
const options: ApplyOptions = { forks: 5, check: true, diff: true, rollback: { windowSeconds: null }, onEvent: (event) => void event.type };
export async function rollout(): Promise<number> {
  if (!playbook) return diagnostics.length + warnings.length;
  const fleet: Fleet = { playbook, inventory, targets: await resolveTargets(inventory, 'all', { acceptNew: true }) };
  const pending = (await plan(fleet)).pending.length;
  const changed = (await apply(fleet, options)).results.filter((result) => result.status === 'changed').length;
  return pending + changed + Object.keys((await status(fleet)).hosts).length + names.length;
}
export const pool: typeof SessionPool = SessionPool;
export { target };
`;

describe('the published type declarations', () => {
  it('compile in a consumer without skipLibCheck, with only the production dependencies installed, and load', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
    const [{ files }] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const installed = join(consumer, 'node_modules', 'octoi');
    for (const { path } of files) {
      mkdirSync(dirname(join(installed, path)), { recursive: true });
      cpSync(join(root, path), join(installed, path));
    }
    for (const [name, location] of productionClosure()) {
      mkdirSync(dirname(join(consumer, 'node_modules', name)), { recursive: true });
      symlinkSync(location, join(consumer, 'node_modules', name), 'dir');
    }
    // The consumer's own development dependency, as every TypeScript project on Node has.
    if (!existsSync(join(consumer, 'node_modules', '@types', 'node'))) {
      mkdirSync(join(consumer, 'node_modules', '@types'), { recursive: true });
      symlinkSync(resolvePackage('@types/node', root), join(consumer, 'node_modules', '@types', 'node'), 'dir');
    }
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    writeFileSync(join(consumer, 'index.ts'), consumerSource);
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: ['index.ts'],
    }));
    const tsc = join(resolvePackage('typescript', root), 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', consumer], { cwd: consumer }).then(
      () => ({ ok: true, output: '' }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    assert.equal(result.output, '');
    assert.ok(result.ok);
    // The library reads the shell code it runs on hosts when it loads: the package must carry it.
    const loaded = await run(process.execPath, ['--input-type=module', '-e', "const octoi = await import('octoi'); process.stdout.write(octoi.probeScript([]))"], { cwd: consumer });
    assert.match(loaded.stdout, /^octoi_marker\(\) \{/m);
  });
});
