import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { probeScript } from '../../lib/facts/probe.js';
import { helloService, makeShellHost } from './shell-host.js';

describe('probeScript with contents, run by /bin/sh', () => {
  const host = makeShellHost();
  after(() => host.cleanup());

  it('reads the current text of existing managed files only when asked', () => {
    const unitDir = join(host.root, 'etc');
    const service = helloService(unitDir, join(host.root, 'opt'));
    mkdirSync(unitDir, { recursive: true });
    const text = '[Socket]\nListenStream=1\n# ünïcode and trailing spaces   \n\n';
    writeFileSync(service.files[0]!.path, text);

    const withContents = parseProbe(host.run(probeScript([service], { contents: true })).stdout);
    assert.deepEqual(withContents.fileContents, { [service.files[0]!.path]: text });

    const plain = parseProbe(host.run(probeScript([service])).stdout);
    assert.equal(plain.fileContents, undefined);
  });
});
