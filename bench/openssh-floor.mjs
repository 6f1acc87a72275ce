#!/usr/bin/env node
// The OpenSSH floor: one `ssh HOST true` per host of the lab's inventory, at most FORKS at once,
// with no ssh_config but the inventory's own options. Extra ssh options (e.g. a key exchange) go
// after `--`; ssh2, which octoi and bench/floor.mjs use, negotiates curve25519-sha256. With
// --script, each host runs `sh -s` on that file instead of `true`.
// node bench/openssh-floor.mjs -i INVENTORY [-f FORKS] [--script FILE] [-- SSH OPTIONS]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    inventory: { type: 'string', short: 'i' },
    forks: { type: 'string', short: 'f', default: '50' },
    script: { type: 'string' },
  },
});
const gateways = parse(readFileSync(values.inventory, 'utf8')).all.children.gateways.hosts;
const hosts = Object.values(gateways);
const failures = [];
const script = values.script === undefined ? undefined : readFileSync(values.script);

function login(vars) {
  const args = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-i', vars.ansible_ssh_private_key_file, ...vars.ansible_ssh_common_args.split(' '), ...positionals, `${vars.ansible_user}@${vars.ansible_host}`, script ? 'sh -s' : 'true'];
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: [script ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    child.stdin?.end(script);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      if (code !== 0) failures.push(`${vars.ansible_host}: ssh exited ${code}: ${stderr.trim()}`);
      resolve();
    });
  });
}

let next = 0;
await Promise.all(Array.from({ length: Math.min(Number(values.forks), hosts.length) }, async () => {
  while (next < hosts.length) await login(hosts[next++]);
}));
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exitCode = 3;
}
