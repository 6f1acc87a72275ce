import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUnitFile, unitDirectiveChanges } from '../../lib/units/unit-file.js';

const socket = (listen: string[], extra = '') =>
  `[Unit]\nDescription=x\n\n[Socket]\n${listen.map((value) => `ListenStream=${value}\n`).join('')}Accept=yes\n${extra}\n[Install]\nWantedBy=sockets.target\n`;

describe('unit files', () => {
  it('reads sections and directives, skipping comments', () => {
    assert.deepEqual(parseUnitFile('# c\n[Unit]\nDescription=a=b\n; c\n[Socket]\n ListenStream = 80 \n'), [
      { section: 'Unit', key: 'Description', value: 'a=b' },
      { section: 'Socket', key: 'ListenStream', value: '80' },
    ]);
  });

  it('names each directive that changed with its old and new value', () => {
    assert.deepEqual(unitDirectiveChanges(socket(['13063']), socket(['13064'])), ['ListenStream 13063→13064']);
    assert.deepEqual(unitDirectiveChanges(socket(['1']), socket(['1', '2'], 'MaxConnections=64\n')), [
      'ListenStream 1→1,2',
      'MaxConnections (none)→64',
    ]);
    assert.deepEqual(unitDirectiveChanges(socket(['1']), socket(['1'])), []);
    assert.deepEqual(unitDirectiveChanges(socket(['1']), socket(['1'], 'CapabilityBoundingSet=\n')), ['CapabilityBoundingSet (none)→(empty)']);
  });
});
