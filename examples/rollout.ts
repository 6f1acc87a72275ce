// A rollout from code: validate, plan, apply, read the status, print a summary.
// Usage (after `npm run build`): node dist/examples/rollout.js PLAYBOOK INVENTORY
import { apply, ExitCode, formatDiagnostic, formatStatusTable, loadInventory, plan, resolveTargets, status, validatePlaybook } from 'octoi';

const [playbookFile, inventoryFile] = process.argv.slice(2);
if (!playbookFile || !inventoryFile) {
  console.error('usage: rollout PLAYBOOK INVENTORY');
  process.exit(ExitCode.invalidInput);
}

const { playbook, diagnostics } = await validatePlaybook(playbookFile);
for (const diagnostic of diagnostics) console.error(formatDiagnostic(diagnostic));
if (!playbook) process.exit(ExitCode.invalidInput);

const { inventory, warnings } = await loadInventory(inventoryFile);
for (const warning of warnings) console.error(formatDiagnostic(warning));

// Every inventory host's SSH target, with its become settings and ssh_config applied.
const targets = await resolveTargets(inventory, 'all');
const fleet = { playbook, inventory, targets };

const drift = await plan(fleet, { forks: 10 });
console.log(`plan: ${drift.pending.length} of ${drift.results.length} hosts to change`);
for (const host of drift.pending) console.log(`  ${host.host}: ${host.changes.join('; ')}`);

const run = await apply(fleet, { forks: 10, rollback: { windowSeconds: 120 } });
for (const host of run.results) console.log(`${host.host}: ${host.status}${host.error ? ` (${host.error.message})` : ''}`);
const count = (wanted: string) => run.results.filter((host) => host.status === wanted).length;
console.log(`applied: ${count('changed')} changed, ${count('ok')} ok, ${count('failed')} failed, ${count('unreachable')} unreachable`);

console.log(formatStatusTable(await status({ ...fleet, playbook })));
process.exitCode = count('failed') + count('unreachable') > 0 ? ExitCode.hostsFailed : ExitCode.ok;
