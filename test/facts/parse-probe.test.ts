import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OctoiError } from '../../lib/diagnostics.js';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { describeParser } from './fixture-cases.js';

describeParser('parseProbe', 'probe', parseProbe);

describe('parseProbe on cut-off output', () => {
  it('refuses output without the end marker instead of planning from half the facts', () => {
    assert.throws(() => parseProbe('::octoi:: probe 1\n::octoi:: file 2f78\nmissing\n'), (error: unknown) => {
      assert.ok(error instanceof OctoiError);
      assert.match(error.message, /incomplete/);
      return true;
    });
  });

  it('refuses a marker whose name is not hex', () => {
    assert.throws(() => parseProbe('::octoi:: probe 1\n::octoi:: file /etc/x\nmissing\n::octoi:: end\n'), /not a hex-encoded name/);
  });
});
