import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxHosts } from '../../lib/lab/subnet.js';
import { bridgeName, hostIndex, hostName, labId, netnsName, vethName } from '../../lib/lab/names.js';

describe('lab names', () => {
  it('derives one id per folder, the same for relative and absolute spellings', () => {
    assert.match(labId('/srv/a'), /^[0-9a-f]{6}$/);
    assert.equal(labId('/srv/a'), labId('/srv/b/../a'));
    assert.notEqual(labId('/srv/a'), labId('/srv/b'));
  });

  it('keeps interface names within the kernel limit of 15 characters for every host', () => {
    const id = labId('/srv/a');
    assert.ok(bridgeName(id).length <= 15);
    for (let index = 1; index <= maxHosts; index += 1) assert.ok(vethName(id, index).length <= 15);
  });

  it('names hosts gw01..gwNN and reads the index back', () => {
    assert.equal(hostName(1), 'gw01');
    assert.equal(hostName(42), 'gw42');
    assert.equal(hostName(120), 'gw120');
    assert.equal(hostIndex('gw07'), 7);
    assert.equal(hostIndex('gw120'), 120);
    assert.equal(hostIndex('web1'), undefined);
    assert.equal(hostIndex('bastion'), 0);
  });

  it('puts the lab id into every machine-wide name, so two labs never share one', () => {
    const a = labId('/srv/a');
    const b = labId('/srv/b');
    assert.notEqual(netnsName(a, 'gw01'), netnsName(b, 'gw01'));
    assert.notEqual(vethName(a, 1), vethName(b, 1));
    assert.notEqual(bridgeName(a), bridgeName(b));
  });
});
