import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../host/results.js';

/** A unified diff of one file on one host; a secret file shows only that it changes. */
export function formatFileDiff(host: string, diff: FileDiff): string {
  const label = `${host}:${diff.path}`;
  const before = diff.before === null ? '/dev/null' : label;
  const after = diff.after === null ? '/dev/null' : label;
  if (diff.secret) return `--- ${before}\n+++ ${after}\n(content not shown: the playbook marks it secret)\n`;
  return createTwoFilesPatch(before, after, diff.before ?? '', diff.after ?? '', undefined, undefined, { context: 3 })
    .split('\n')
    .filter((line) => !line.startsWith('Index:') && !/^=+$/.test(line))
    .join('\n');
}
