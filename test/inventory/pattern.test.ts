import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OctoiError } from '../../lib/diagnostics.js';
import { loadInventory, selectHosts, splitHostPattern, type Inventory } from '../../lib/inventory/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'octoi-pattern-'));
let inventory: Inventory;
before(async () => {
  const file = join(scratch, 'hosts.ini');
  writeFileSync(file, '[gateways]\ngw[01:04]\n[web]\ngw02\nweb1\n[db]\ndb1\n');
  inventory = await loadInventory([file]);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

test('splitting follows Ansible: commas, else colons outside addresses and ranges', () => {
  assert.deepEqual(splitHostPattern('a, b ,c'), ['a', 'b', 'c']);
  assert.deepEqual(splitHostPattern('web:&db:!gw01'), ['web', '&db', '!gw01']);
  assert.deepEqual(splitHostPattern('gw[1:3]:db'), ['gw[1:3]', 'db']);
  assert.deepEqual(splitHostPattern('fe80::1'), ['fe80::1']);
  assert.deepEqual(splitHostPattern('[::1]:22'), ['[::1]:22']);
  // A colon followed by digits reads as a port, so this is one pattern, as in Ansible.
  assert.deepEqual(splitHostPattern('web:22'), ['web:22']);
});

test('unions come first, then intersections, then exclusions, whatever the written order', () => {
  assert.deepEqual(selectHosts(inventory, '!gw01:web:gateways'), ['gw02', 'web1', 'gw03', 'gw04']);
  assert.deepEqual(selectHosts(inventory, '&web:gateways'), ['gw02']);
  assert.deepEqual(selectHosts(inventory, '!gateways'), ['web1', 'db1']);
});

test('limits narrow the selection; @FILE reads one pattern per line', () => {
  const limitFile = join(scratch, 'limit');
  writeFileSync(limitFile, 'gw01\n\ndb*\n');
  assert.deepEqual(selectHosts(inventory, 'all', [`@${limitFile}`]), ['gw01', 'db1']);
  assert.deepEqual(selectHosts(inventory, 'all', ['gateways', '!gw02']), ['gw01', 'gw03', 'gw04']);
});

test('a pattern that matches nothing names itself and lists the groups', () => {
  assert.throws(() => selectHosts(inventory, 'gateways:&db'), (error: unknown) => {
    assert.ok(error instanceof OctoiError);
    assert.equal(error.kind, 'no-hosts-matched');
    assert.match(error.diagnostics[0]?.message ?? '', /"gateways:&db" matched no host/);
    assert.equal(error.diagnostics[0]?.hint, 'groups in the inventory: all, db, gateways, ungrouped, web');
    return true;
  });
  assert.throws(() => selectHosts(inventory, 'web[5]'), { kind: 'no-hosts-matched' });
});

test('malformed patterns are invalid input', () => {
  for (const [pattern, limit] of [['~(gw', []], ['', []], ['all:!', []], ['all', [`@${join(scratch, 'missing')}`]], ['all', [`@${scratch}`]]] as const) {
    assert.throws(() => selectHosts(inventory, pattern, limit), { kind: 'invalid-input' }, pattern);
  }
});
