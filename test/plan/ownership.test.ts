import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DirectoryFact, HostFacts } from '../../lib/facts/types.js';
import { sha256 } from '../../lib/hash.js';
import { planHost } from '../../lib/plan/plan.js';
import type { DesiredService } from '../../lib/units/types.js';

const UNITS = '/etc/systemd/system';
const SOCKET = `${UNITS}/hello.socket`;
const TEMPLATE = `${UNITS}/hello@.service`;
const SCRIPT = '/opt/hello/hello.sh';

function service(overrides: Partial<DesiredService> = {}): DesiredService {
  return {
    name: 'hello',
    state: 'present',
    accept: true,
    socketUnit: 'hello.socket',
    serviceTemplate: 'hello@.service',
    mainService: 'hello.service',
    leftovers: [],
    program: null,
    files: [
      { path: SOCKET, content: '# Managed by octoi\n[Socket]\nListenStream=7\n', mode: 0o644, role: 'socket', earlierVersions: [sha256('[Socket]\nListenStream=7\n')] },
      { path: TEMPLATE, content: '# Managed by octoi\n[Service]\n', mode: 0o644, role: 'service', earlierVersions: [] },
      { path: SCRIPT, content: '#!/bin/sh\necho hi\n', mode: 0o755, role: 'script', earlierVersions: [] },
    ],
    listen: [{ host: null, family: 'any', port: 7, unitValue: '7' }],
    adopt: false,
    allowedDropIns: [],
    secretGroup: 'octoi-secret-00000000',
    ...overrides,
  };
}

const dir = (path: string, fact: Partial<DirectoryFact> = {}): [string, DirectoryFact] => [path, { path, kind: 'directory', uid: 0, mode: 0o755, entries: 3, ...fact }];

/** A host where octoi converged `hello`: every file in place and in octoi's record, the socket listening. */
function converged(): HostFacts {
  const desired = service();
  return {
    files: Object.fromEntries(desired.files.map((file) => [file.path, { path: file.path, exists: true, sha256: sha256(file.content), mode: file.mode, owner: 'root', group: 'root' }])),
    units: {
      'hello.socket': {
        id: 'hello.socket', loadState: 'loaded', activeState: 'active', subState: 'listening', unitFileState: 'enabled', needDaemonReload: false,
        listen: ['[::]:7 (Stream)'], nAccepted: 0, nConnections: 0, nRefused: 0, fragmentPath: SOCKET,
      },
    },
    listeners: [{ address: '*', port: 7, processes: [{ name: 'systemd', pid: 1, fd: 30 }] }],
    listenerSource: 'ss',
    leftoverTempFiles: [],
    directories: Object.fromEntries([dir('/etc'), dir('/etc/systemd'), dir(UNITS), dir('/opt'), dir('/opt/hello', { entries: 1 })]),
    owned: { files: [SOCKET, TEMPLATE, SCRIPT], directories: ['/opt/hello'], groups: [] },
    pendingRestarts: [],
    foreignUnitFiles: {},
    dropIns: {},
    groups: [],
    unsupported: [],
    unreadable: [],
    runningInstances: {},
  };
}

const kinds = (services: DesiredService[], facts: HostFacts): string[] => planHost(services, facts).actions.map((action) => action.kind);

describe('planHost: what octoi owns', () => {
  it('has nothing to do on a host it converged', () => {
    const plan = planHost([service()], converged());
    assert.deepEqual(plan.actions, []);
    assert.deepEqual(plan.refusals, []);
  });

  it('adopts a file identical to what it writes, or to what an earlier version wrote, then updates the latter', () => {
    const facts = converged();
    facts.owned.files = [SCRIPT];
    facts.files[SOCKET]!.sha256 = sha256('[Socket]\nListenStream=7\n');
    const plan = planHost([service()], facts);
    assert.deepEqual(plan.refusals, []);
    assert.deepEqual(plan.actions.map((action) => [action.kind, 'path' in action ? action.path : '']), [
      ['adopt-file', SOCKET],
      ['adopt-file', TEMPLATE],
      ['write-file', SOCKET],
      ['daemon-reload', ''],
      ['restart-socket', ''],
    ]);
  });

  it('refuses a file it did not write, unless the service says adopt: true', () => {
    const facts = converged();
    facts.owned.files = [TEMPLATE, SCRIPT];
    facts.files[SOCKET]!.sha256 = sha256('[Socket]\nListenStream=22\n');
    const refused = planHost([service()], facts);
    assert.deepEqual(refused.actions, [], 'nothing at all is done on a refused host');
    assert.match(refused.refusals[0]?.message ?? '', /hello\.socket exists and octoi did not write it/);
    assert.deepEqual(kinds([service({ adopt: true })], facts), ['adopt-file', 'write-file', 'daemon-reload', 'restart-socket']);
  });

  it('refuses a link or anything but a regular file where a file goes', () => {
    for (const kind of ['link', 'other'] as const) {
      const facts = converged();
      facts.files[SCRIPT] = { path: SCRIPT, exists: true, kind };
      const plan = planHost([service({ adopt: true })], facts);
      assert.deepEqual(plan.actions, []);
      assert.match(plan.refusals[0]?.message ?? '', kind === 'link' ? /is a symbolic link/ : /not a regular file/);
    }
  });

  it('refuses folders on the way that someone but root could change, as sshd does', () => {
    const cases: [(directory: DirectoryFact) => DirectoryFact, RegExp][] = [
      [(directory) => ({ ...directory, uid: 1000 }), /\/opt\/hello is owned by uid 1000, not root/],
      [(directory) => ({ ...directory, mode: 0o775 }), /writable by its group \(mode 0775\)/],
      [(directory) => ({ ...directory, mode: 0o757 }), /writable by others \(mode 0757\)/],
      [(directory) => ({ ...directory, kind: 'link' }), /is a symbolic link; octoi installs files only through real folders/],
      [({ uid: _uid, mode: _mode, ...unreadable }) => unreadable, /could not be read/],
    ];
    for (const [change, message] of cases) {
      const facts = converged();
      facts.directories['/opt/hello'] = change(facts.directories['/opt/hello']!);
      assert.match(planHost([service()], facts).refusals.map((refusal) => refusal.message).join('\n'), message);
    }
  });

  it('creates and owns the folders it needs, outermost first', () => {
    const facts = converged();
    facts.directories['/opt'] = { path: '/opt', kind: 'missing' };
    facts.directories['/opt/hello'] = { path: '/opt/hello', kind: 'missing' };
    facts.files[SCRIPT] = { path: SCRIPT, exists: false };
    const plan = planHost([service()], facts);
    assert.deepEqual(plan.actions.slice(0, 2), [
      { kind: 'create-directory', path: '/opt', service: 'hello' },
      { kind: 'create-directory', path: '/opt/hello', service: 'hello' },
    ]);
  });

  it('refuses a unit of the same name that belongs to the system, or a socket systemd loaded from elsewhere', () => {
    const vendor = converged();
    vendor.foreignUnitFiles.hello = ['/usr/lib/systemd/system/hello.socket'];
    assert.match(planHost([service()], vendor).refusals[0]?.message ?? '', /hello is already a unit of this host, not octoi's: \/usr\/lib\/systemd\/system\/hello\.socket/);
    const loaded = converged();
    loaded.units['hello.socket']!.fragmentPath = '/run/systemd/transient/hello.socket';
    assert.match(planHost([service()], loaded).refusals[0]?.message ?? '', /\/run\/systemd\/transient\/hello\.socket \(loaded\)/);
    const absent = converged();
    absent.foreignUnitFiles.hello = ['/lib/systemd/system/hello.service'];
    assert.equal(planHost([service({ state: 'absent' })], absent).actions.length, 0, 'absent never stops or removes a foreign unit');
  });
});

describe('planHost: drop-ins', () => {
  it('removes a foreign drop-in in its unit folder, reloads, and restarts the socket when it was the socket\'s', () => {
    const facts = converged();
    facts.dropIns.hello = [`${UNITS}/hello.socket.d/port.conf`, `${UNITS}/hello@.service.d/override.conf`];
    assert.deepEqual(planHost([service()], facts).actions.map((action) => [action.kind, 'path' in action ? action.path : 'reason' in action ? action.reason : '']), [
      ['remove-drop-in', `${UNITS}/hello.socket.d/port.conf`],
      ['remove-drop-in', `${UNITS}/hello@.service.d/override.conf`],
      ['daemon-reload', ''],
      ['restart-socket', 'socket unit changed'],
    ]);
  });

  it('leaves drop-ins the service allows by name', () => {
    const facts = converged();
    facts.dropIns.hello = [`${UNITS}/hello@.service.d/tuning.conf`];
    assert.deepEqual(kinds([service({ allowedDropIns: ['tuning.conf'] })], facts), []);
  });

  it('refuses drop-ins outside its folder (a package\'s, a runtime one) instead of removing them', () => {
    const facts = converged();
    facts.dropIns.hello = ['/run/systemd/system/hello.socket.d/x.conf'];
    const plan = planHost([service()], facts);
    assert.deepEqual(plan.actions, []);
    assert.match(plan.refusals[0]?.message ?? '', /drop-ins outside \/etc\/systemd\/system change hello/);
  });
});

describe('planHost: pending work and state: absent', () => {
  it('finishes a restart an interrupted run left pending, saying why', () => {
    const facts = converged();
    facts.pendingRestarts = ['hello.socket'];
    assert.deepEqual(planHost([service()], facts).actions, [
      { kind: 'restart-socket', unit: 'hello.socket', service: 'hello', reason: 'pending from an interrupted run' },
    ]);
  });

  it('removes what it owns, and its folder only when nothing else is in it', () => {
    const facts = converged();
    const removals = (f: HostFacts) => planHost([service({ state: 'absent' })], f).actions.filter((a) => a.kind.startsWith('remove')).map((a) => ('path' in a ? a.path : a.kind));
    assert.deepEqual(removals(facts), [SOCKET, TEMPLATE, SCRIPT, '/opt/hello']);
    facts.directories['/opt/hello']!.entries = 2;
    assert.deepEqual(removals(facts), [SOCKET, TEMPLATE, SCRIPT], 'a folder holding something else stays');
    const notMine = converged();
    notMine.owned.directories = [];
    assert.deepEqual(removals(notMine), [SOCKET, TEMPLATE, SCRIPT], 'a folder octoi did not make stays');
  });

  it('refuses to remove a file it does not own', () => {
    const facts = converged();
    facts.owned.files = [];
    const plan = planHost([service({ state: 'absent' })], facts);
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.refusals.length, 3);
    assert.match(plan.refusals[0]?.message ?? '', /state: absent removes only what octoi owns/);
  });
});
