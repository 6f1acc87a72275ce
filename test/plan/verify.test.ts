import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostFacts } from '../../lib/facts/types.js';
import type { Expectation, VerifyProblem } from '../../lib/plan/types.js';
import { verifyHost } from '../../lib/plan/verify.js';
import { fixtureCases } from '../facts/fixture-cases.js';

interface VerifyCase {
  description: string;
  expectations: Expectation[];
  facts: HostFacts;
  problems: VerifyProblem[];
}

describe('verifyHost', () => {
  for (const { name, data } of fixtureCases<VerifyCase>('plan/verify')) {
    it(`${name}: ${data.description}`, () => {
      assert.deepEqual(verifyHost(data.expectations, data.facts), data.problems);
    });
  }
});
