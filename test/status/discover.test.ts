import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { discoveryScript, parseDiscovery } from '../../lib/facts/discover.js';
import { UNIT_PROPERTIES } from '../../lib/facts/systemctl-show.js';
import { makeShellHost, type ShellHost } from '../facts/shell-host.js';

// A unit name no one should write, but the script must treat as data if someone does.
const HOSTILE = `x'$(touch PWNED) "y"`;

describe('discoveryScript run by /bin/sh', () => {
  let host: ShellHost;
  let unitDir: string;
  let server: Server;
  before(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = makeShellHost();
    unitDir = join(host.root, 'etc', 'systemd system');
    mkdirSync(unitDir, { recursive: true });
    host.setSystemctlShow('Id=any.socket\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\nListen=[::]:13063 (Stream)\nNAccepted=7\n');
  });
  after(() => {
    server.close();
    host.cleanup();
  });

  const discover = () => {
    const result = host.run(discoveryScript(unitDir));
    assert.equal(result.status, 0, result.stderr);
    return parseDiscovery(result.stdout);
  };

  it('finds nothing in a folder without sockets, and still reads the listeners', () => {
    const { services, facts } = discover();
    assert.deepEqual(services, []);
    assert.deepEqual(host.systemctlCalls(), []);
    const port = (server.address() as AddressInfo).port;
    const mine = facts.listeners.find((listener) => listener.port === port && listener.address === '127.0.0.1');
    assert.ok(mine?.processes.some((p) => p.pid === process.pid), 'the listeners of the host are read: this test process on its port');
  });

  it('reports every socket with a template or a plain service beside it, and only those', () => {
    const write = (name: string) => writeFileSync(join(unitDir, name), '[Unit]\n');
    for (const name of ['alpha.socket', 'alpha@.service', 'lonely.socket', 'lonely.service', 'zeta.socket', 'zeta@.service', `${HOSTILE}.socket`, `${HOSTILE}@.service`, 'only@.service']) {
      write(name);
    }
    // Masked units are links to /dev/null; a folder is no unit file either.
    symlinkSync('/dev/null', join(unitDir, 'masked.socket'));
    symlinkSync('/dev/null', join(unitDir, 'masked@.service'));
    mkdirSync(join(unitDir, 'folder.socket'));
    write('folder@.service');

    const { services, facts } = discover();

    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    assert.deepEqual([...services].sort(byName), [{ name: 'alpha', accept: true }, { name: 'lonely', accept: false }, { name: 'zeta', accept: true }, { name: HOSTILE, accept: true }].sort(byName));
    const show = `show -p ${UNIT_PROPERTIES.join(',')} --`;
    assert.deepEqual([...host.systemctlCalls()].sort(), [`${show} alpha.socket`, `${show} lonely.socket lonely.service`, `${show} zeta.socket`, `${show} ${HOSTILE}.socket`].sort());
    assert.equal(facts.units['any.socket']?.nAccepted, 7, 'each socket section is parsed as systemctl show output');
    assert.ok(!existsSync('PWNED') && !existsSync(join(unitDir, 'PWNED')), 'no name was run as a command');
  });
});
