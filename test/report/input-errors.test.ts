import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import type { JsonInputErrorReport, JsonReport } from '../../lib/report/json.js';
import type { StatusReport } from '../../lib/report/status-table.js';
import { runOctoi } from '../helpers/cli.js';

/** A play whose key is misspelt on line 3, column 3. */
const misspelt = '- name: hello\n  hosts: all\n  servics:\n    - name: hello\n';
const valid = '- name: hello\n  hosts: all\n  services:\n    - name: hello\n      listen: 13063\n      script:\n        content: |\n          #!/bin/sh\n          echo hi\n';
/**
 * One host octoi refuses to contact (its key file is not there), so nothing leaves the machine, in
 * a group with a key Ansible skips (line 4, column 7): a warning.
 */
const warnedInventory = 'all:\n  children:\n    web:\n      hots: {}\n      hosts:\n        gw01:\n          ansible_host: 192.0.2.1\n          ansible_ssh_private_key_file: ./no-such-key\n';

/** The same key misspelt in a group that has no other hosts: no host matches, and the warning says why. */
const hostlessInventory = 'all:\n  children:\n    web:\n      hots:\n        gw01: {}\n';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'octoi-input-errors-'));
  await Promise.all([writeFile(join(dir, 'bad.yml'), misspelt), writeFile(join(dir, 'site.yml'), valid), writeFile(join(dir, 'inv.yml'), warnedInventory), writeFile(join(dir, 'hostless.yml'), hostlessInventory)]);
});
after(() => rm(dir, { recursive: true, force: true }));

const octoi = (args: readonly string[]) => runOctoi(args, { cwd: dir, env: { ANSIBLE_CONFIG: join(dir, 'no-ansible.cfg') } });
const readJson = async <T>(name: string): Promise<T> => JSON.parse(await readFile(join(dir, name), 'utf8')) as T;
const readEvents = async (name: string): Promise<Array<Record<string, unknown>>> =>
  (await readFile(join(dir, name), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('invalid input reaches --json and --events', () => {
  for (const command of ['play', 'plan', 'check']) {
    it(`octoi ${command} bad.yml: exit 4, the error at bad.yml:3:3 on stderr, in the JSON document and as a diagnostics event`, async () => {
      const result = await octoi([command, 'bad.yml', '-i', 'inv.yml', '--json', `${command}.json`, '--events', `${command}.jsonl`]);
      assert.equal(result.exitCode, ExitCode.invalidInput, result.stderr);
      assert.match(result.stderr, /^bad\.yml:3:3: error: unknown key `servics`/m);
      assert.equal(result.stdout, '');
      const report = await readJson<JsonInputErrorReport>(`${command}.json`);
      const typo = report.diagnostics.find((diagnostic) => diagnostic.field === 'plays[0].servics');
      assert.deepEqual(typo?.position, { file: 'bad.yml', line: 3, column: 3 });
      assert.equal(typo?.severity, 'error');
      assert.deepEqual(report.diagnostics[0]?.position, { file: 'inv.yml', line: 4, column: 7 }, "the inventory's warning comes first");
      const events = await readEvents(`${command}.jsonl`);
      assert.deepEqual(events.map((event) => event.type), ['diagnostics']);
      assert.deepEqual(events[0]?.diagnostics, report.diagnostics);
    });
  }

  it('an option given a wrong value: exit 4, named in the JSON document', async () => {
    const result = await octoi(['play', 'site.yml', '-i', 'inv.yml', '--forks', 'many', '--json', 'forks.json']);
    assert.equal(result.exitCode, ExitCode.invalidInput, result.stderr);
    assert.match((await readJson<JsonInputErrorReport>('forks.json')).diagnostics[0]?.message ?? '', /--forks must be a whole number/);
  });
});

describe("an inventory's warnings reach every view", () => {
  const warning = /^inv\.yml:4:7: warning: skipping unexpected key "hots" in group web/m;

  it('octoi plan: on stderr and in the JSON report, beside the refused host', async () => {
    const result = await octoi(['plan', 'site.yml', '-i', 'inv.yml', '--json', 'plan.json', '--events', 'plan.jsonl']);
    assert.equal(result.exitCode, ExitCode.hostsFailed, result.stdout + result.stderr);
    assert.match(result.stderr, warning);
    const report = await readJson<JsonReport>('plan.json');
    assert.deepEqual(report.diagnostics?.map((diagnostic) => [diagnostic.severity, diagnostic.position]), [['warning', { file: 'inv.yml', line: 4, column: 7 }]]);
    assert.equal(report.hosts.gw01?.error?.reason, 'refused');
    assert.deepEqual(report.plan, { changes: [], exposure: [] }, 'a refused host is in no group');
    assert.deepEqual((await readEvents('plan.jsonl')).map((event) => event.type).slice(0, 2), ['diagnostics', 'run-started']);
  });

  for (const command of [['plan', 'site.yml'], ['status']]) {
    it(`octoi ${command[0]} where no host matches: exit 5, the warning that says why before the error, in the JSON document`, async () => {
      const result = await octoi([...command, '-i', 'hostless.yml', '--json', `${command[0]}-hostless.json`]);
      assert.equal(result.exitCode, ExitCode.noHostsMatched, result.stdout + result.stderr);
      assert.match(result.stderr, /^hostless\.yml:4:7: warning: skipping unexpected key "hots"[^]*\nerror: /m);
      const { diagnostics } = await readJson<JsonInputErrorReport>(`${command[0]}-hostless.json`);
      assert.deepEqual(diagnostics.map((diagnostic) => diagnostic.severity), ['warning', 'error']);
    });
  }

  it('octoi status: on stderr and in the JSON report; the refused host fails as it does in play', async () => {
    const result = await octoi(['status', '-i', 'inv.yml', '--json', 'status.json', '--events', 'status.jsonl']);
    assert.equal(result.exitCode, ExitCode.hostsFailed, result.stdout + result.stderr);
    assert.match(result.stderr, warning);
    assert.match(result.stdout, /^gw01: failed: the private key file \S+\/no-such-key \(ansible_ssh_private_key_file\) does not exist$/m);
    const report = await readJson<StatusReport>('status.json');
    assert.equal(report.diagnostics?.[0]?.severity, 'warning');
    assert.equal(report.hosts.gw01?.status, 'failed');
    assert.deepEqual((await readEvents('status.jsonl')).map((event) => event.type), ['diagnostics', 'status-started', 'host-status', 'status-finished']);
  });
});

describe("ansible.cfg's warnings reach every view", () => {
  for (const command of [['plan', 'site.yml'], ['check', 'site.yml'], ['status']]) {
    it(`octoi ${command[0]}: the setting octoi ignores, on stderr, in the JSON document and as the first event`, async () => {
      const cfg = join(dir, `${command[0]}-ansible.cfg`);
      await writeFile(cfg, '[defaults]\ngathering = smart\n');
      const result = await runOctoi([...command, '-i', 'inv.yml', '--json', `${command[0]}-cfg.json`, '--events', `${command[0]}-cfg.jsonl`], { cwd: dir, env: { ANSIBLE_CONFIG: cfg } });
      const ignored = `${cfg}: octoi ignores [defaults] gathering (line 2)`;
      assert.ok(result.stderr.includes(`warning: ${ignored}\n`), result.stderr);
      const { diagnostics } = await readJson<{ diagnostics?: { severity: string; message: string }[] }>(`${command[0]}-cfg.json`);
      assert.ok(diagnostics?.some((diagnostic) => diagnostic.severity === 'warning' && diagnostic.message === ignored), JSON.stringify(diagnostics));
      const [first] = await readEvents(`${command[0]}-cfg.jsonl`);
      assert.equal(first?.type, 'diagnostics');
      assert.ok(JSON.stringify(first?.diagnostics).includes('octoi ignores [defaults] gathering'));
    });
  }
});
