import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../lib/paths.js';
import {
  chooseSubnet,
  hostAddress,
  parsePrefix,
  prefixesOverlap,
  routedPrefixes,
  subnetCandidates,
} from '../../lib/lab/subnet.js';

const fixture = (name: string): string => readFileSync(join(packageRoot(), 'test', 'fixtures', 'lab', name), 'utf8');

describe('lab subnet', () => {
  it('reads every destination of `ip -4 -o route show table all`, a running lab included', () => {
    const prefixes = routedPrefixes(fixture('ip-route-table-all.txt'));
    assert.deepEqual(prefixes, [
      parsePrefix('10.118.159.0/24'),
      parsePrefix('192.0.2.0/24'),
      parsePrefix('10.118.159.1'),
      parsePrefix('10.118.159.255'),
      parsePrefix('127.0.0.0/8'),
      parsePrefix('127.0.0.1'),
      parsePrefix('127.255.255.255'),
      parsePrefix('192.0.2.2'),
      parsePrefix('192.0.2.255'),
    ]);
  });

  it('tells overlapping prefixes apart', () => {
    const p = (text: string) => {
      const prefix = parsePrefix(text);
      assert.ok(prefix, text);
      return prefix;
    };
    assert.equal(prefixesOverlap(p('10.0.0.0/8'), p('10.64.3.0/24')), true);
    assert.equal(prefixesOverlap(p('10.64.3.0/24'), p('10.64.3.200')), true);
    assert.equal(prefixesOverlap(p('10.64.3.0/24'), p('10.64.4.0/24')), false);
    assert.equal(prefixesOverlap(p('0.0.0.0/0'), p('192.0.2.1')), true);
    assert.equal(parsePrefix('10.1.2.300/24'), undefined);
    assert.equal(parsePrefix('10.1.2.0/33'), undefined);
  });

  it('gives a folder the same private /24 every time, and another folder another one', () => {
    const first = chooseSubnet('/srv/lab-a', []);
    assert.equal(chooseSubnet('/srv/lab-a', []), first);
    assert.notEqual(chooseSubnet('/srv/lab-b', []), first);
    assert.match(first ?? '', /^10\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d{1,3}$/);
  });

  it('skips a /24 that a route of the machine (or another lab) already covers', () => {
    const [first, second] = subnetCandidates('/srv/lab-a', 2);
    const taken = parsePrefix(`${first}.0/24`);
    assert.ok(taken);
    assert.equal(chooseSubnet('/srv/lab-a', [taken]), second);
    const everything = parsePrefix('10.0.0.0/8');
    assert.ok(everything);
    assert.equal(chooseSubnet('/srv/lab-a', [everything]), undefined);
  });

  it('numbers hosts from .2, the bridge being .1', () => {
    assert.equal(hostAddress('10.70.1', 1), '10.70.1.2');
    assert.equal(hostAddress('10.70.1', 253), '10.70.1.254');
  });
});
