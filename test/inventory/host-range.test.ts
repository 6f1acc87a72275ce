import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandHostEntry, hostRangeSize, HostRangeError, MAX_HOSTS_PER_ENTRY } from '../../lib/inventory/host-range.js';

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

test('a range is counted before it is expanded: past the limit is an error, right at the limit is not', () => {
  assert.equal(hostRangeSize('gw[0:99999999]'), 100_000_000);
  assert.equal(hostRangeSize('r[1:10:3]n[a:z:5]x[5:3]'), 0);
  assert.equal(hostRangeSize('r[1:1000]n[1:1000]'), 1_000_000);
  assert.equal(hostRangeSize('gw[10:1:-3]'), expandHostEntry('gw[10:1:-3]').hostnames.length);
  assert.equal(expandHostEntry(`gw[1:${MAX_HOSTS_PER_ENTRY}]`).hostnames.length, MAX_HOSTS_PER_ENTRY);
  for (const entry of [`gw[0:${MAX_HOSTS_PER_ENTRY}]`, 'gw[0:99999999]', 'r[1:1000]n[1:1000]', 'a[0:9999999999999999999999]', 'x[0:9][0:9][0:9][0:9][0:9][0:9]']) {
    assert.throws(() => expandHostEntry(entry), (error: Error) => error instanceof HostRangeError && /more than the 100000 octoi expands/.test(error.message), entry);
  }
});

test('an empty later range empties the entry without listing the huge earlier one', () => {
  assert.deepEqual(expandHostEntry('db-[0:907583995508:3]x[875169242300:15]x[7::201]').hostnames, []);
  // Python never reaches a range after an empty one, so a malformed one there is no error; one it reaches is.
  assert.deepEqual(expandHostEntry('db-[0:9]x[5:3]y[1:]').hostnames, []);
  assert.throws(() => expandHostEntry('db-[0:9]y[1:]'), HostRangeError);
});
