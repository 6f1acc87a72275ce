import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestMatch, editDistance } from '../../lib/source/suggest.js';

describe('editDistance', () => {
  const table: [string, string, number][] = [
    ['', '', 0],
    ['listen', 'listen', 0],
    ['descripton', 'description', 1],
    ['lsiten', 'listen', 1],
    ['state', 'stat', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ];
  for (const [a, b, distance] of table) it(`${a} -> ${b} is ${distance}`, () => assert.equal(editDistance(a, b), distance));
});

describe('closestMatch', () => {
  const keys = ['name', 'description', 'listen', 'accept', 'user', 'script', 'state', 'socket', 'service'];
  it('finds a misspelt key', () => assert.equal(closestMatch('descripton', keys), 'description'));
  it('ignores case', () => assert.equal(closestMatch('Listen', keys), 'listen'));
  it('prefers the nearest key', () => assert.equal(closestMatch('sockt', keys), 'socket'));
  it('guesses nothing for an unrelated word', () => assert.equal(closestMatch('hosts', keys), null));
});
