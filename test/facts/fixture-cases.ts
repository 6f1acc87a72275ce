import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../lib/paths.js';

export interface FixtureCase<T> {
  name: string;
  data: T;
}

/** Every `*.json` file of `test/fixtures/<folder>`, parsed: one test case each. */
export function fixtureCases<T>(folder: string): FixtureCase<T>[] {
  const dir = join(packageRoot(), 'test', 'fixtures', folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ name: file.replace(/\.json$/, ''), data: JSON.parse(readFileSync(join(dir, file), 'utf8')) as T }));
}

/** A captured command output, pyinfra style: where it came from, the command, its lines, the parsed fact. */
export interface OutputFixture<F> {
  source: string;
  command: string;
  output: string[];
  fact: F;
}

export function outputText(fixture: OutputFixture<unknown>): string {
  return fixture.output.join('\n');
}

/** One test per fixture of `test/fixtures/facts/<folder>`: the parser turns its output into its fact. */
export function describeParser<F>(title: string, folder: string, parse: (text: string) => F): void {
  describe(title, () => {
    for (const { name, data } of fixtureCases<OutputFixture<F>>(`facts/${folder}`)) {
      it(name, () => {
        assert.ok(data.source.length > 0, 'a fixture says where its output came from');
        assert.deepEqual(parse(outputText(data)), data.fact);
      });
    }
  });
}
