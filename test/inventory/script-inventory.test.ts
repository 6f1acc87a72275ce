import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OctoiError } from '../../lib/diagnostics.js';
import { formatDiagnostic } from '../../lib/diagnostics.js';
import { loadInventory } from '../../lib/inventory/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'octoi-script-inventory-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function file(name: string, text: string, mode = 0o755): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

/** Gone or a zombie (killed, not yet reaped by its new parent). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function loadError(path: string, timeoutMs?: number): Promise<string> {
  try {
    await loadInventory([path], timeoutMs === undefined ? {} : { scriptTimeoutMs: timeoutMs });
  } catch (error) {
    assert.ok(error instanceof OctoiError, String(error));
    return error.diagnostics.map(formatDiagnostic).join('\n');
  }
  assert.fail('the inventory loaded');
}

test('a script that fails is named with its exit code and what it wrote to stderr', async () => {
  const path = file('failing', '#!/bin/sh\necho "cloud API: 403 Forbidden" >&2\nexit 7\n');
  const message = await loadError(path);
  assert.match(message, new RegExp(`^${path}:1:1: error: inventory script: \`${path} --list\` exited with 7; it said: cloud API: 403 Forbidden`));
});

test('a script that hangs is stopped after the timeout, with what it started', async () => {
  const pidFile = join(scratch, 'sleeper.pid');
  const path = file('hanging', `#!/bin/sh\necho "asking the API" >&2\nsleep 300 &\necho $! > ${pidFile}\nwait\n`);
  const message = await loadError(path, 500);
  assert.match(message, /did not finish within 0\.5 s and was stopped; it said: asking the API/);
  const sleeper = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(!isRunning(sleeper), 'the script\'s own child is gone too');
});

test('output that is not a JSON object, or bad group data, is an error naming the script', async () => {
  assert.match(await loadError(file('not-json', '#!/bin/sh\necho "[web]"\n')), /--list` printed no valid JSON/);
  assert.match(await loadError(file('a-list', '#!/bin/sh\necho "[1, 2]"\n')), /must print a JSON object, not a list/);
  assert.match(await loadError(file('bad-hosts', '#!/bin/sh\necho \'{"web": {"hosts": "gw1"}}\'\n')), /the group web has string "gw1" for its host list/);
  assert.match(await loadError(file('bad-meta', '#!/bin/sh\necho \'{"web": ["gw1"], "_meta": {"hostvars": {"gw1": [1]}}}\'\n')), /the variables of host gw1 must be a JSON object, not a list/);
});

test('only an executable file that starts with #! is run; others are read as INI, as Ansible ends up doing', async () => {
  const marker = join(scratch, 'ran');
  const notExecutable = file('plain-with-shebang', `#!/bin/sh\ntouch ${marker}\n`, 0o644);
  assert.match(await loadError(notExecutable), /plain-with-shebang/);
  const iniExecutable = file('ini-executable', '[web]\ngw1\n', 0o755);
  const inventory = await loadInventory([iniExecutable]);
  assert.deepEqual(inventory.groupHosts('web'), ['gw1']);
  assert.throws(() => readFileSync(marker), { code: 'ENOENT' }, 'the non-executable script never ran');
});

test('an inventory plugin configuration is refused naming the plugin', async () => {
  const path = file('aws_ec2.yml', 'plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n', 0o644);
  const message = await loadError(path);
  assert.match(message, /aws_ec2\.yml:1:\d+: error: inventory plugin amazon\.aws\.aws_ec2 is not supported/);
  assert.match(message, /exec ansible-inventory -i .*aws_ec2\.yml --list/);
});
