import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandHostEntry, HostRangeError } from '../../lib/inventory/host-range.js';

test('ranges expand with leading zeros, letters, strides and several ranges per name', () => {
  const cases: [string, string[], number | null][] = [
    ['gw[01:03]', ['gw01', 'gw02', 'gw03'], null],
    ['gw[8:11]', ['gw8', 'gw9', 'gw10', 'gw11'], null],
    ['gw[:2]', ['gw0', 'gw1', 'gw2'], null],
    ['edge-[a:c].example.com', ['edge-a.example.com', 'edge-b.example.com', 'edge-c.example.com'], null],
    ['db[01:10:3]', ['db01', 'db04', 'db07', 'db10'], null],
    ['r[1:2]n[a:b]', ['r1na', 'r1nb', 'r2na', 'r2nb'], null],
    ['gw[01:02]:2222', ['gw01', 'gw02'], 2222],
    ['[2001:db8::1]:22', ['2001:db8::1'], 22],
    ['10.0.0.7:2201', ['10.0.0.7'], 2201],
    ['host:abc', ['host:abc'], null],
    ['gw[5:3]', [], null],
  ];
  for (const [entry, hostnames, port] of cases) assert.deepEqual(expandHostEntry(entry), { hostnames, port }, entry);
});

test('malformed ranges are errors, as in Ansible', () => {
  for (const entry of ['gw[01:9]', 'gw[1]', 'gw[1:]', 'gw[c:a]', 'gw[1:3:0]', 'gw[x1:3]']) {
    assert.throws(() => expandHostEntry(entry), HostRangeError, entry);
  }
});
