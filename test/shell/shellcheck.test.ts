/**
 * Every `.sh` file under lib/ — the code octoi runs on hosts and the lab's — passes shellcheck
 * with all its checks; a check is disabled only on the line it is wrong about, with the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../lib/paths.js';

const lib = join(packageRoot(), 'lib');
const shellFiles = readdirSync(lib, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.sh')).sort();

describe('the shell files under lib/', () => {
  it('include the host scripts and the lab scripts', () => {
    for (const file of ['facts/probe.sh', 'facts/discover.sh', 'apply/install.sh', 'apply/host-shell.sh', 'apply/rollback.sh', 'lab/host-init.sh', 'lab/image-setup.sh']) {
      assert.ok(shellFiles.includes(file), `${file} is one of ${shellFiles.join(', ')}`);
    }
  });

  it('pass shellcheck', () => {
    const result = spawnSync('shellcheck', ['--norc', '--format=gcc', '--', ...shellFiles], { cwd: lib, encoding: 'utf8' });
    assert.equal(result.error, undefined, 'shellcheck runs (Debian package shellcheck, installed by scripts/setup)');
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, '', 'shellcheck finds nothing');
    assert.equal(result.status, 0);
  });
});
