import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batches, budgetExceeded } from '../../lib/run/batches.js';

const hosts = Array.from({ length: 10 }, (_, index) => `gw${String(index + 1).padStart(2, '0')}`);

describe('rolling batches', () => {
  it('makes one batch without serial', () => {
    assert.deepEqual(batches(hosts, undefined), [hosts]);
    assert.deepEqual(batches([], [{ kind: 'count', count: 2 }]), []);
  });

  it('takes each size in turn and repeats the last, as Ansible does', () => {
    const sizes = (serial: Parameters<typeof batches>[1]) => batches(hosts, serial).map((batch) => batch.length);
    assert.deepEqual(sizes([{ kind: 'count', count: 3 }]), [3, 3, 3, 1]);
    assert.deepEqual(sizes([{ kind: 'count', count: 1 }, { kind: 'count', count: 3 }, { kind: 'percent', percent: 100 }]), [1, 3, 6]);
    assert.deepEqual(sizes([{ kind: 'count', count: 1 }, { kind: 'percent', percent: 10 }, { kind: 'percent', percent: 50 }]), [1, 1, 5, 3]);
    assert.deepEqual(sizes([{ kind: 'percent', percent: 1 }]), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 'a percentage is at least one host');
    assert.deepEqual(batches(hosts, [{ kind: 'count', count: 4 }]).flat(), hosts, 'every host once, in order');
  });
});

describe('failure budgets', () => {
  it('stops when a batch fails more than max_fail_percentage', () => {
    assert.equal(budgetExceeded({ maxFailPercentage: 0 }, { size: 1, failed: 0 }, 0), null);
    assert.match(budgetExceeded({ maxFailPercentage: 0 }, { size: 1, failed: 1 }, 1) ?? '', /1 of 1 hosts in the batch failed \(100%\), more than max_fail_percentage 0%/);
    assert.equal(budgetExceeded({ maxFailPercentage: 50 }, { size: 4, failed: 2 }, 2), null, 'exactly the percentage is allowed');
    assert.match(budgetExceeded({ maxFailPercentage: 30 }, { size: 3, failed: 1 }, 1) ?? '', /\(33\.3%\)/);
  });

  it('stops when the run has more failures than max_failures', () => {
    assert.equal(budgetExceeded({ maxFailures: 2 }, { size: 5, failed: 2 }, 2), null);
    assert.match(budgetExceeded({ maxFailures: 2 }, { size: 5, failed: 1 }, 3) ?? '', /3 hosts failed in this run, more than max_failures 2/);
  });
});
