import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Play } from '../../lib/config/types.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { parseShard, shardPlays } from '../../lib/run/shard.js';

const play = (name: string): Play => ({ name, hosts: 'all', services: { kind: 'fixed', services: [] }, hardening: 'strict', position: { file: 'p.yml', line: 1, column: 1 } });
const hosts = Array.from({ length: 7 }, (_, index) => `gw${index + 1}`);

describe('shards', () => {
  it('reads K/N and rejects anything else', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', '1', 'a/b', '1/2/3']) assert.throws(() => parseShard(bad), OctoiError, bad);
  });

  it('covers every host exactly once over all parts, balanced, and the same in every play', () => {
    const plays = [{ play: play('a'), hosts }, { play: play('b'), hosts: hosts.slice(2) }];
    const parts = [1, 2, 3].map((index) => shardPlays(plays, { index, count: 3 }));
    assert.deepEqual(parts.map((part) => part[0]!.hosts), [['gw1', 'gw4', 'gw7'], ['gw2', 'gw5'], ['gw3', 'gw6']]);
    assert.deepEqual(parts.flatMap((part) => part[0]!.hosts).sort(), [...hosts].sort());
    assert.deepEqual(parts.map((part) => part[1]!.hosts), [['gw4', 'gw7'], ['gw5'], ['gw3', 'gw6']]);
  });
});
