import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostFacts } from '../../lib/facts/types.js';
import { planHost } from '../../lib/plan/plan.js';
import type { Action, Expectation, Refusal } from '../../lib/plan/types.js';
import type { DesiredService } from '../../lib/units/types.js';
import { fixtureCases } from '../facts/fixture-cases.js';

interface PlanCase {
  description: string;
  services: DesiredService[];
  facts: HostFacts;
  actions: Action[];
  expectations?: Expectation[];
  refusals?: Refusal[];
}

describe('planHost', () => {
  for (const { name, data } of fixtureCases<PlanCase>('plan')) {
    it(`${name}: ${data.description}`, () => {
      const plan = planHost(data.services, data.facts);
      assert.deepEqual(plan.actions, data.actions);
      if (data.expectations) assert.deepEqual(plan.expectations, data.expectations);
      assert.deepEqual(plan.refusals, data.refusals ?? []);
      assert.deepEqual(planHost(data.services, data.facts), plan, 'the same input gives the same plan');
    });
  }
});
