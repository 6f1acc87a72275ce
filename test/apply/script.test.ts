import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyScript, parseApplyOutput, stagedPathFor, tempPathFor } from '../../lib/apply/script.js';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { probeScript } from '../../lib/facts/probe.js';
import { planHost } from '../../lib/plan/plan.js';
import type { Action, HostPlan } from '../../lib/plan/types.js';
import { helloService, makeShellHost, type ShellHost } from '../facts/shell-host.js';

/** Split one line of `sh` into words the way the shell would: bare words and '...' quoting only. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, `unterminated quote in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\') {
      word = (word ?? '') + line[++i];
    } else {
      assert.match(c, /[A-Za-z0-9_@%+=:,./-]/, `unquoted special character ${JSON.stringify(c)} in ${line}`);
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The step lines of a script, joined where a quoted word spans lines. */
function stepLines(script: string): string[][] {
  const lines: string[] = [];
  let pending = '';
  for (const line of script.split('\n')) {
    pending = pending ? `${pending}\n${line}` : line;
    // Outside quotes, `\'` is an escaped quote that opens nothing.
    if ((pending.replaceAll("\\'", '').split("'").length - 1) % 2 === 0) {
      if (pending.startsWith('octoi_step ')) lines.push(pending);
      pending = '';
    }
  }
  return lines.map(shellWords);
}

const EVIL = `/etc/systemd/system/x'; rm -rf / #$(id)\`id\`\n"q"`;

describe('applyScript with hostile names', () => {
  const plan: HostPlan = {
    actions: [
      { kind: 'remove-temp-file', path: `${EVIL}/.a.octoi-tmp` },
      { kind: 'write-file', path: `${EVIL}/a.socket`, content: 'x', mode: 0o644, change: 'create', service: 's' },
      { kind: 'write-file', path: `/opt/s $(reboot)/s.sh`, content: 'y', mode: 0o755, change: 'update', service: 's' },
      { kind: 'remove-file', path: '/opt/old;reboot', service: 's' },
      { kind: 'remove-directory', path: '/opt/old dir', service: 's' },
      { kind: 'enable-socket', unit: 'a$(id).socket', service: 's' },
      { kind: 'daemon-reload' },
      { kind: 'start-socket', unit: 'd$(id).socket', service: 's' },
      { kind: 'restart-socket', unit: "b'.socket", service: 's', reason: 'socket unit changed' },
      { kind: 'disable-socket', unit: '-c.socket', service: 's' },
      { kind: 'stop-instances', template: 'c@.service', service: 's' },
      { kind: 'reset-failed', units: ['c.socket', 'c@1.service'], service: 's' },
    ],
    expectations: [],
  };
  const script = applyScript(plan, []);

  it('is valid sh', () => {
    const check = spawnSync('/bin/sh', ['-n'], { input: script, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });

  it('runs exactly the intended command for each action, in order, every word quoted', () => {
    const expected: string[][] = [
      ['rm', '-f', '--', `${EVIL}/.a.octoi-tmp`],
      ['octoi_install', '0644', `${EVIL}/.a.socket.octoi-tmp`, `${EVIL}/a.socket`],
      ['octoi_install', '0755', '/opt/s $(reboot)/.s.sh.octoi-tmp', '/opt/s $(reboot)/s.sh', EVIL, '/opt/s $(reboot)'],
      ['rm', '-f', '--', '/opt/old;reboot'],
      ['rm', '-rf', '--', '/opt/old dir'],
      ['systemctl', 'enable', '--no-reload', '--', 'a$(id).socket'],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'start', '--', 'd$(id).socket'],
      ['systemctl', 'restart', '--', "b'.socket"],
      ['systemctl', 'disable', '--no-reload', '--now', '--', '-c.socket'],
      ['systemctl', 'stop', '--', 'c@*.service'],
      ['systemctl', 'reset-failed', '--', 'c.socket', 'c@1.service'],
    ];
    assert.deepEqual(
      stepLines(script),
      expected.map((argv, index) => ['octoi_step', String(index), ...argv]),
    );
  });

  it('installs from the staging folder with become: the staged file, then the same install, and removes the folder', () => {
    const staged = applyScript(plan, [], { stagingDir: `/tmp/octoi-upload.${EVIL}` });
    assert.deepEqual(stepLines(staged).slice(1, 3), [
      ['octoi_step', '1', 'octoi_install_staged', `/tmp/octoi-upload.${EVIL}/1`, '0644', `${EVIL}/.a.socket.octoi-tmp`, `${EVIL}/a.socket`],
      ['octoi_step', '2', 'octoi_install_staged', `/tmp/octoi-upload.${EVIL}/2`, '0755', '/opt/s $(reboot)/.s.sh.octoi-tmp', '/opt/s $(reboot)/s.sh', EVIL, '/opt/s $(reboot)'],
    ]);
    assert.equal(spawnSync('/bin/sh', ['-n'], { input: staged, encoding: 'utf8' }).status, 0);
    assert.throws(() => applyScript(plan, [], { stagingDir: 'tmp/x' }), /refusing to touch/);
  });

  it('refuses paths that are not absolute and normalised', () => {
    for (const path of ['relative/x', '/opt/../etc/x', '/', '/opt/x/']) {
      const bad: Action = { kind: 'remove-directory', path, service: 's' };
      assert.throws(() => applyScript({ actions: [bad], expectations: [] }, []), /refusing to touch/);
    }
  });
});

describe('tempPathFor', () => {
  it('names a hidden sibling that systemd ignores', () => {
    assert.equal(tempPathFor('/etc/systemd/system/x.socket'), '/etc/systemd/system/.x.socket.octoi-tmp');
  });
});

describe('parseApplyOutput', () => {
  it('refuses output cut before the facts were read again', () => {
    assert.throws(() => parseApplyOutput('::octoi:: apply 1\n::octoi:: step 0 ok\n'), /ends before the facts/);
  });
});

describe('applyScript run by /bin/sh', () => {
  let host: ShellHost;
  before(() => {
    host = makeShellHost();
  });
  after(() => host.cleanup());

  it('installs uploaded files atomically, stops at the first failed step, and reads the facts again', () => {
    const unitDir = join(host.root, 'etc', 'systemd', 'system');
    const desired = helloService(unitDir, join(host.root, 'opt', 'hello'));
    mkdirSync(unitDir, { recursive: true });
    const leftover = join(unitDir, '.stale.octoi-tmp');
    writeFileSync(leftover, 'half-written');
    const before = parseProbe(host.run(probeScript([desired])).stdout);
    const plan = planHost([desired], before);
    assert.deepEqual(
      plan.actions.map((a) => a.kind),
      ['remove-temp-file', 'write-file', 'write-file', 'write-file', 'enable-socket', 'daemon-reload', 'start-socket'],
    );

    // What the executor does before the apply command: create missing folders, upload temp files (0600).
    mkdirSync(join(host.root, 'opt', 'hello'), { recursive: true });
    for (const file of desired.files) writeFileSync(tempPathFor(file.path), file.content, { mode: 0o600 });
    host.failSystemctl('daemon-reload', 'Failed to reload daemon: Access denied\n');

    const result = host.run(applyScript(plan, [desired]));
    assert.equal(result.status, 0, result.stderr);
    const applied = parseApplyOutput(result.stdout);
    assert.deepEqual(applied.steps, [
      { action: 0, status: 'ok' },
      { action: 1, status: 'ok' },
      { action: 2, status: 'ok' },
      { action: 3, status: 'ok' },
      { action: 4, status: 'ok' },
      { action: 5, status: 'failed', exitCode: 5, stderr: 'Failed to reload daemon: Access denied' },
      { action: 6, status: 'skipped' },
    ]);
    assert.deepEqual(host.systemctlCalls().filter((call) => !call.startsWith('show ')), ['enable --no-reload -- hello.socket', 'daemon-reload']);
    for (const file of desired.files) {
      const fact = applied.facts.files[file.path];
      assert.deepEqual(fact, {
        path: file.path,
        exists: true,
        sha256: createHash('sha256').update(file.content).digest('hex'),
        mode: file.mode,
        owner: 'root',
        group: 'root',
      });
      assert.equal(statSync(file.path).mode & 0o7777, file.mode);
    }
    assert.deepEqual(applied.facts.leftoverTempFiles, [], 'no temp file is left behind');
    assert.deepEqual(
      planHost([desired], applied.facts).actions.map((a) => a.kind),
      ['enable-socket', 'daemon-reload', 'start-socket'],
      'the next run only has the systemctl steps left (the stand-in systemctl changes no state)',
    );
  });

  it('with a staging folder, creates missing folders, installs each staged file beside its target, and removes the folder', () => {
    // A host of its own: the one above is told to fail daemon-reload.
    const shell = makeShellHost();
    after(() => shell.cleanup());
    const unitDir = join(shell.root, 'staged', 'systemd');
    const desired = helloService(unitDir, join(shell.root, 'staged', 'opt', 'hello'));
    const plan = planHost([desired], parseProbe(shell.run(probeScript([desired])).stdout));
    const stagingDir = join(shell.root, 'upload');
    mkdirSync(stagingDir, { mode: 0o700 });
    plan.actions.forEach((action, index) => {
      if (action.kind === 'write-file') writeFileSync(stagedPathFor(stagingDir, index), action.content, { mode: 0o600 });
    });

    const result = shell.run(applyScript(plan, [desired], { stagingDir }));
    assert.equal(result.status, 0, result.stderr);
    const applied = parseApplyOutput(result.stdout);
    assert.ok(applied.steps.every((step) => step.status === 'ok'), JSON.stringify(applied.steps));
    for (const file of desired.files) {
      assert.equal(readFileSync(file.path, 'utf8'), file.content);
      assert.equal(applied.facts.files[file.path]?.mode, file.mode);
      assert.equal(applied.facts.files[file.path]?.owner, 'root');
    }
    assert.deepEqual(applied.facts.leftoverTempFiles, []);
    assert.equal(existsSync(stagingDir), false, 'the staging folder is gone');
    assert.deepEqual(
      planHost([desired], applied.facts).actions.map((a) => a.kind),
      ['enable-socket', 'daemon-reload', 'start-socket'],
      'every file is in place; the stand-in systemctl changes no state',
    );
  });
});
