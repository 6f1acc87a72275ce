/**
 * Refreshes each inventory case's expected.json from the real Ansible:
 * `npx tsc -p . && node dist/test/inventory/capture-ansible-outputs.js`
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ansible, ansibleOutputs, inventoryCases } from './ansible-oracle.js';

const ansible = new Ansible();
try {
  for (const testCase of inventoryCases()) {
    const outputs = await ansibleOutputs(ansible, testCase);
    writeFileSync(join(testCase.dir, 'expected.json'), `${JSON.stringify(outputs, null, 2)}\n`);
    process.stdout.write(`${testCase.name}: ${testCase.patterns.length} patterns, ${testCase.limits.length} limits\n`);
  }
} finally {
  ansible.dispose();
}
