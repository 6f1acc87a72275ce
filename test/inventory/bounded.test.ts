/**
 * Inventories of any shape stay bounded: a property test over generated INI and YAML inventories with
 * ranges of any size, deep children, variables and aliases. Each either loads within the host limit or
 * fails with FILE:LINE:COL diagnostics; none runs out of memory or throws anything else.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { OctoiError, type Diagnostic } from '../../lib/diagnostics.js';
import { inventoryListJson, loadInventory } from '../../lib/inventory/index.js';
import { MAX_INVENTORY_HOSTS } from '../../lib/inventory/inventory-data.js';

const scratch = mkdtempSync(join(tmpdir(), 'octoi-bounded-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A bound from tiny to absurd, with the zero padding and letters Ansible's ranges allow. Small bounds
 * weigh most: one absurd bound refuses its whole inventory, and the property needs loaded ones too.
 */
const bound = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 20 }).map(String), weight: 8 },
  { arbitrary: fc.integer({ min: 0, max: 2 ** 40 }).map(String), weight: 1 },
  { arbitrary: fc.constantFrom('01', '09', '99999999', 'a', 'z', 'Z', ''), weight: 1 },
);
const range = fc.tuple(bound, bound, fc.option(fc.integer({ min: -3, max: 1000 }))).map(([begin, end, step]) => `[${begin}:${end}${step === null ? '' : `:${step}`}]`);
const hostEntry = fc.tuple(fc.constantFrom('gw', 'db-', 'e', ''), fc.array(range, { maxLength: 3 }), fc.constantFrom('', '.lan', ':2222')).map(([head, ranges, tail]) => `${head || 'h'}${ranges.join('x')}${tail}`);
const groupName = fc.constantFrom('g1', 'g2', 'g3', 'web', 'all', 'ungrouped');

const iniInventory = fc
  .array(
    fc.oneof(
      fc.tuple(groupName, fc.array(hostEntry, { maxLength: 4 })).map(([group, hosts]) => `[${group}]\n${hosts.map((host) => `${host} v=1`).join('\n')}`),
      fc.tuple(groupName, fc.array(groupName, { maxLength: 3 })).map(([group, children]) => `[${group}:children]\n${children.join('\n')}`),
      groupName.map((group) => `[${group}:vars]\nansible_user=ops\nlist=[1, 2, 3]`),
    ),
    { maxLength: 8 },
  )
  .map((sections) => ({ name: 'inventory.ini', text: `${sections.join('\n')}\n` }));

const yamlInventory = fc
  .tuple(
    // Unique keys: a YAML mapping refuses a duplicate key, which would refuse most generated inventories.
    fc.uniqueArray(fc.tuple(groupName, fc.uniqueArray(hostEntry, { maxLength: 4 }), fc.uniqueArray(groupName, { maxLength: 2 })), { maxLength: 5, selector: ([group]) => group }),
    fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 12 }), weight: 1 }),
  )
  .map(([groups, aliasDepth]) => {
    // A chain of anchors, each listing the previous one ten times: 10^depth values if aliases were unbounded.
    const anchors = Array.from({ length: aliasDepth }, (_, i) => `    a${i}: &a${i} [${i === 0 ? '"x"' : Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const vars = aliasDepth > 0 ? ['  vars:', ...anchors] : [];
    const withAll = groups.some(([group]) => group === 'all') ? groups : [...groups, ['all', [], []] as const];
    const body = withAll.map(([group, hosts, children]) =>
      [
        `${group}:`,
        '  hosts:',
        ...hosts.map((host) => `    ${host}: {}`),
        '  children:',
        ...children.map((child) => `    ${child}:`),
        ...(group === 'all' ? vars : []),
      ].join('\n'),
    );
    return { name: 'inventory.yml', text: `${body.join('\n')}\n` };
  });

function assertPositioned(diagnostics: readonly Diagnostic[], file: string): void {
  assert.ok(diagnostics.length > 0);
  for (const diagnostic of diagnostics) {
    assert.equal(diagnostic.position?.file, file, diagnostic.message);
    assert.ok((diagnostic.position?.line ?? 0) >= 1 && (diagnostic.position?.column ?? 0) >= 1, diagnostic.message);
    assert.ok(diagnostic.hint, diagnostic.message);
  }
}

describe('bounded inventories (property)', () => {
  test('any generated INI or YAML inventory loads within the limits or fails with positioned errors', async () => {
    let loaded = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(iniInventory, yamlInventory), async ({ name, text }) => {
        const file = join(scratch, name);
        writeFileSync(file, text);
        try {
          const inventory = await loadInventory([file]);
          loaded += 1;
          assert.ok(inventory.hosts.length <= MAX_INVENTORY_HOSTS, `${inventory.hosts.length} hosts`);
          assert.ok(inventory.groups.size <= text.split('\n').length + 2, `${inventory.groups.size} groups`);
          if (inventory.hosts.length <= 1000) {
            const listed = JSON.stringify(inventoryListJson(inventory)).length;
            assert.ok(listed <= 2000 * (text.length + inventory.hosts.length * 64), `--list of ${listed} characters from ${text.length}`);
          }
        } catch (error) {
          if (!(error instanceof OctoiError)) throw error;
          refused += 1;
          assert.equal(error.kind, 'invalid-input');
          assertPositioned(error.diagnostics, file);
        }
      }),
      { numRuns: 150 },
    );
    assert.ok(loaded > 15 && refused > 15, `loaded ${loaded}, refused ${refused}: the property is close to vacuous`);
  });

  test('gw[0:99999999] is refused at FILE:LINE:COL in INI and YAML, before any host is made', async () => {
    const ini = join(scratch, 'huge.ini');
    writeFileSync(ini, '[gateways]\ngw1\n  gw[0:99999999] ansible_user=ops\n');
    const yaml = join(scratch, 'huge.yml');
    writeFileSync(yaml, 'gateways:\n  hosts:\n    gw1:\n    gw[0:99999999]:\n');
    for (const [file, line, column] of [[ini, 3, 3], [yaml, 4, 5]] as const) {
      const error = await loadInventory([file]).then(() => assert.fail('loaded'), (caught: unknown) => caught);
      assert.ok(error instanceof OctoiError);
      assert.equal(error.diagnostics.length, 1);
      const [diagnostic] = error.diagnostics;
      assert.match(diagnostic?.message ?? '', /gw\[0:99999999\] names 100000000 hosts, more than the 100000 octoi expands in one entry/);
      assert.deepEqual(diagnostic?.position, { file, line, column });
    }
  });

  test('many entries below the per-entry limit still stop at the inventory limit', async () => {
    const file = join(scratch, 'many.ini');
    writeFileSync(file, `[a]\nx[1:60000]\n[b]\ny[1:60000]\nz[1:10]\n`);
    const error = await loadInventory([file]).then(() => assert.fail('loaded'), (caught: unknown) => caught);
    assert.ok(error instanceof OctoiError);
    assert.deepEqual(error.diagnostics.map((d) => [d.position?.line, d.message]), [
      [4, `the inventory names more than ${MAX_INVENTORY_HOSTS} hosts, more than octoi reads`],
      [5, `the inventory names more than ${MAX_INVENTORY_HOSTS} hosts, more than octoi reads`],
    ]);
  });
});
