import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { probeScript } from '../../lib/facts/probe.js';
import { fixtureCases, outputText, type OutputFixture } from './fixture-cases.js';
import { helloService, makeShellHost, type ShellHost } from './shell-host.js';

// Names a playbook could smuggle in if validation ever let them through: the probe must treat them as data.
const HOSTILE = `x'$(touch PWNED)\`touch PWNED\`;"a b"\n::octoi:: end`;

describe('probeScript run by /bin/sh', () => {
  let host: ShellHost;
  let server: Server;
  before(async () => {
    host = makeShellHost();
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => {
    server.close();
    host.cleanup();
  });

  it('reads files, directories, leftover temp files, units and listeners, whatever the names', () => {
    const service = helloService(join(host.root, 'etc', HOSTILE), join(host.root, 'opt', 'hello'), 'octoi-helloworld.socket');
    const [socketFile, templateFile] = service.files;
    const unitDir = join(host.root, 'etc', HOSTILE);
    mkdirSync(unitDir, { recursive: true });
    writeFileSync(socketFile!.path, 'old socket\n');
    chmodSync(socketFile!.path, 0o640);
    const leftover = join(unitDir, '.new\nline.octoi-tmp');
    writeFileSync(leftover, 'half');
    const show = fixtureCases<OutputFixture<unknown>>('facts/systemctl-show').find((c) => c.name === 'socket-need-daemon-reload')!;
    // Real systemctl ends its output with a newline; the fixture's lines do not carry it.
    host.setSystemctlOutput('show', `${outputText(show.data)}\n`);

    const result = host.run(probeScript([service]));
    assert.equal(result.status, 0, result.stderr);
    const facts = parseProbe(result.stdout);

    assert.deepEqual(facts.files[socketFile!.path], {
      path: socketFile!.path,
      exists: true,
      sha256: createHash('sha256').update('old socket\n').digest('hex'),
      mode: 0o640,
      owner: 'root',
      group: 'root',
    });
    assert.deepEqual(facts.files[templateFile!.path], { path: templateFile!.path, exists: false });
    assert.deepEqual(facts.existingDirectories, [unitDir]);
    assert.deepEqual(facts.leftoverTempFiles, [leftover]);
    assert.equal(facts.units['octoi-helloworld.socket']?.needDaemonReload, true);
    assert.equal(facts.listenerSource, 'ss');
    const port = (server.address() as AddressInfo).port;
    const mine = facts.listeners.find((l) => l.port === port && l.address === '127.0.0.1');
    assert.ok(mine?.processes.some((p) => p.pid === process.pid), 'ss reports this test process on its port');
    assert.ok(!existsSync('PWNED') && !existsSync(join(unitDir, 'PWNED')), 'no name was run as a command');
    assert.deepEqual(host.systemctlCalls(), [
      'show -p Id,LoadState,ActiveState,SubState,UnitFileState,NeedDaemonReload,Listen,NAccepted,NConnections,NRefused -- octoi-helloworld.socket',
      'list-units --plain --no-legend --no-pager -- hello@*.service',
    ]);
  });
});
