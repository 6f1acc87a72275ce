import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { runOctoi } from '../helpers/cli.js';

describe('command lines octoi cannot parse', () => {
  for (const argv of [['status', '--plain'], ['play', 'x.yml', '--no-such-option'], ['plan', 'x.yml', '-i'], ['inventory', '--frobnicate'], ['check', '--rollback-window', '5'], ['report', 'merge', 'a.json', '--shard', '1/2']]) {
    it(`octoi ${argv.join(' ')}: invalid input (exit 4), named, no stack trace`, async () => {
      const result = await runOctoi(argv);
      assert.equal(result.exitCode, ExitCode.invalidInput, result.stderr);
      assert.match(result.stderr, /error: .*option/i);
      assert.doesNotMatch(result.stderr, /internal error|^\s+at /m);
    });
  }
});
