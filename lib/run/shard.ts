import { OctoiError } from '../diagnostics.js';
import type { PlayTarget } from './run-playbook.js';
import type { Shard } from './types.js';

/** Reads `K/N` (1 ≤ K ≤ N). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw OctoiError.single('invalid-input', {
      message: `--shard must be K/N with 1 ≤ K ≤ N, not "${text}"`,
      hint: 'for example --shard 2/4 runs the second of four parts',
    });
  }
  return { index, count };
}

/**
 * Keeps the hosts of one part of a deterministic split: the targeted hosts in inventory order,
 * dealt out in turn, so the parts differ in size by at most one and together cover every host once.
 * A host keeps its part in every play.
 */
export function shardPlays(plays: readonly PlayTarget[], shard: Shard): PlayTarget[] {
  const all = [...new Set(plays.flatMap((target) => target.hosts))];
  const mine = new Set(all.filter((_, position) => position % shard.count === shard.index - 1));
  return plays.map((target) => ({ ...target, hosts: target.hosts.filter((host) => mine.has(host)) }));
}
