import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { MARKER } from '../../lib/facts/probe-format.js';
import { fileSectionsCommand, initCommand, PROBE_FUNCTIONS, probeScript, sectionCommand } from '../../lib/facts/probe.js';
import { shellQuote } from '../../lib/shell.js';
import type { DesiredService } from '../../lib/units/types.js';
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
    host.setSystemctlShow(`${outputText(show.data)}\n`);

    const result = host.run(probeScript([service], { layout: host.layout }));
    assert.equal(result.status, 0, result.stderr);
    const facts = parseProbe(result.stdout);
    assert.deepEqual(facts.unreadable, []);

    assert.deepEqual(facts.files[socketFile!.path], {
      path: socketFile!.path,
      exists: true,
      sha256: createHash('sha256').update('old socket\n').digest('hex'),
      mode: 0o640,
      owner: 'root',
      group: 'root',
    });
    assert.deepEqual(facts.files[templateFile!.path], { path: templateFile!.path, exists: false });
    assert.equal(facts.directories[unitDir]?.kind, 'directory');
    assert.equal(facts.directories[unitDir]?.uid, 0);
    assert.equal(facts.directories[unitDir]?.entries, 2, 'the unit file and the leftover');
    assert.equal(facts.directories[join(host.root, 'opt', 'hello')]?.kind, 'missing');
    assert.deepEqual(facts.leftoverTempFiles, [leftover]);
    assert.equal(facts.units['octoi-helloworld.socket']?.needDaemonReload, true);
    assert.equal(facts.listenerSource, 'ss');
    const port = (server.address() as AddressInfo).port;
    const mine = facts.listeners.find((l) => l.port === port && l.address === '127.0.0.1');
    assert.ok(mine?.processes.some((p) => p.pid === process.pid), 'ss reports this test process on its port');
    assert.ok(!existsSync('PWNED') && !existsSync(join(unitDir, 'PWNED')), 'no name was run as a command');
    assert.deepEqual(host.systemctlCalls(), [
      'show -p Id,LoadState,ActiveState,SubState,UnitFileState,NeedDaemonReload,Listen,NAccepted,NConnections,NRefused,MainPID,FragmentPath,DropInPaths -- octoi-helloworld.socket hello[.]service hello@*.service',
    ]);
  });

  it("reads the facts again without asking PID 1's name and systemd's version, which the first read told", () => {
    const service = helloService(join(host.root, 'etc', 'again'), join(host.root, 'opt', 'again'));
    const first = host.run(probeScript([service], { layout: host.layout })).stdout;
    const again = host.run(probeScript([service], { layout: host.layout, again: true })).stdout;
    assert.match(first, /^::octoi:: init$/m);
    assert.doesNotMatch(again, /^::octoi:: init$/m);
    const { unsupported: _first, ...facts } = parseProbe(first);
    const { unsupported: _again, ...factsAgain } = parseProbe(again);
    assert.deepEqual(factsAgain, facts);
  });

  it('tells whether each program of an `exec` service is there to run, following links, whatever its name', () => {
    const bin = join(host.root, 'usr', `bin ${HOSTILE}`);
    mkdirSync(bin, { recursive: true });
    const runnable = join(bin, 'run');
    const plain = join(bin, 'plain');
    writeFileSync(runnable, '#!/bin/sh\n');
    chmodSync(runnable, 0o755);
    writeFileSync(plain, 'data\n');
    chmodSync(plain, 0o644);
    symlinkSync(runnable, join(bin, 'link'));
    const services = ['run', 'plain', 'link', 'missing', 'usr'].map((name) => ({ ...helloService(join(host.root, 'etc'), join(host.root, 'opt', 'hello')), program: name === 'usr' ? join(host.root, 'usr') : join(bin, name) }));
    const facts = parseProbe(host.run(probeScript(services, { layout: host.layout })).stdout);
    assert.deepEqual(facts.programs, {
      [join(bin, 'run')]: 'yes',
      [join(bin, 'plain')]: 'not-executable',
      [join(bin, 'link')]: 'yes',
      [join(bin, 'missing')]: 'missing',
      [join(host.root, 'usr')]: 'not-executable',
    });
    assert.ok(!existsSync('PWNED') && !existsSync(join(bin, 'PWNED')), 'no name was run as a command');
  });
});

describe('the plain service in the probe', () => {
  let host: ShellHost;
  before(() => {
    host = makeShellHost();
  });
  after(() => host.cleanup());

  const shownNames = (service: DesiredService): string => {
    const before = host.systemctlCalls().length;
    host.run(probeScript([service], { layout: host.layout }));
    return host.systemctlCalls().slice(before).join('\n').replace(/^show -p \S+ -- /, '');
  };

  it('asks for NAME.service by name when it is the service of an Accept=no socket', () => {
    const service = { ...helloService(join(host.root, 'etc'), join(host.root, 'opt', 'hello')), accept: false };
    assert.equal(shownNames(service), 'hello.socket hello.service hello@*.service');
  });

  it('asks by a pattern only a loaded unit matches for an Accept=yes socket and an absent service, which need to know only whether it runs', () => {
    const present = helloService(join(host.root, 'etc'), join(host.root, 'opt', 'hello'));
    assert.equal(shownNames(present), 'hello.socket hello[.]service hello@*.service');
    assert.equal(shownNames({ ...present, accept: false, state: 'absent' }), 'hello.socket hello[.]service hello@*.service');
  });

  it('reads a running NAME.service the pattern listed as running, and one it did not list as not running', () => {
    const service = helloService(join(host.root, 'etc'), join(host.root, 'opt', 'hello'));
    host.setSystemctlShow('Id=hello.socket\nLoadState=loaded\nActiveState=active\n\nId=hello.service\nLoadState=loaded\nActiveState=active\n');
    assert.equal(parseProbe(host.run(probeScript([service], { layout: host.layout })).stdout).units['hello.service']?.activeState, 'active');
    host.setSystemctlShow('Id=hello.socket\nLoadState=loaded\nActiveState=active\n');
    const facts = parseProbe(host.run(probeScript([service], { layout: host.layout })).stdout);
    assert.equal(facts.units['hello.service'], undefined);
    assert.deepEqual(facts.unreadable, []);
  });
});

describe("systemd's version in the probe", () => {
  /** The fake systemctl answers `--version` with 252: a library's other number shows it was not asked. */
  const cases: { name: string; libraries: string[]; version: string }[] = [
    { name: 'from the one library systemd ships (Debian 11, Arch)', libraries: ['usr/lib/systemd/libsystemd-shared-246.so'], version: 'systemd 246' },
    { name: "from the multiarch folder's library (Debian 12 and 13)", libraries: ['usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-257.so'], version: 'systemd 257' },
    { name: 'from two folders that agree', libraries: ['usr/lib/systemd/libsystemd-shared-249.so', 'usr/lib/aarch64-linux-gnu/systemd/libsystemd-shared-249.so'], version: 'systemd 249' },
    { name: 'by asking systemctl when two libraries disagree', libraries: ['usr/lib/systemd/libsystemd-shared-246.so', 'usr/lib/systemd/libsystemd-shared-255.so'], version: 'systemd 252 (252.39-1~deb12u2)' },
    { name: "by asking systemctl when the library bears a distribution's tag", libraries: ['usr/lib/systemd/libsystemd-shared-255.4-1.fc40.so'], version: 'systemd 252 (252.39-1~deb12u2)' },
    { name: 'by asking systemctl when a number sits beside a tag', libraries: ['usr/lib/systemd/libsystemd-shared-246.so', 'usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-246-custom.so'], version: 'systemd 252 (252.39-1~deb12u2)' },
    { name: 'by asking systemctl when no library is found', libraries: [], version: 'systemd 252 (252.39-1~deb12u2)' },
    { name: 'by asking systemctl when the name is a folder, not a library', libraries: ['usr/lib/systemd/libsystemd-shared-246.so/'], version: 'systemd 252 (252.39-1~deb12u2)' },
  ];
  for (const { name, libraries, version } of cases) {
    it(name, () => {
      const host = makeShellHost();
      try {
        for (const library of libraries) {
          const path = join(host.root, library);
          mkdirSync(library.endsWith('/') ? path : dirname(path), { recursive: true });
          if (!library.endsWith('/')) writeFileSync(path, '');
        }
        const result = host.run(`${PROBE_FUNCTIONS}${initCommand(host.layout)}\n`);
        assert.equal(result.stdout, `${MARKER} init\nsystemd\n${version}\n`);
      } finally {
        host.cleanup();
      }
    });
  }

  it('fails a host whose library names a systemd older than octoi supports, as systemctl would', () => {
    const host = makeShellHost();
    try {
      const library = join(host.root, 'usr/lib/systemd/libsystemd-shared-246.so');
      mkdirSync(dirname(library), { recursive: true });
      writeFileSync(library, '');
      const service = helloService(join(host.root, 'etc'), join(host.root, 'opt', 'hello'));
      assert.deepEqual(parseProbe(host.run(probeScript([service], { layout: host.layout })).stdout).unsupported, [
        'systemd 246 is older than 247, the oldest octoi supports (Debian 11\'s)',
      ]);
    } finally {
      host.cleanup();
    }
  });
});

/** The file sections as the probe prints them: every file in one call. */
function batchedScript(paths: readonly string[]): string {
  return `${PROBE_FUNCTIONS}${fileSectionsCommand(paths)}\n`;
}

/** The file sections read one file at a time, two processes each: what the batched call must equal. */
function perFileScript(paths: readonly string[]): string {
  return `${PROBE_FUNCTIONS}${paths.map((path) => `${sectionCommand('octoi_file', path)}\n`).join('')}`;
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// A kernel setting only root may write, and nobody may read: opening it fails even for root.
const WRITE_ONLY = '/proc/sys/vm/drop_caches';

interface CaseFile {
  name: string;
  /** Given to the probe as a path relative to the case's folder, the shell's working directory. */
  relative?: boolean;
  make?: (path: string) => void;
  /** The state the file's line must report. */
  kind: 'present' | 'missing' | 'other' | 'link' | 'unreadable';
}

interface SectionsCase {
  name: string;
  files: CaseFile[];
  /** A command replaced by a `sh` script with this body. */
  shadow?: { command: string; body: string };
}

const regular = (content: string, mode = 0o644) => (path: string) => writeFileSync(path, content, { mode });
const linkTo = (target: string) => (path: string) => symlinkSync(target, path);
const directory = (path: string) => mkdirSync(path);
const fifo = (path: string) => assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');

const SECTIONS_CASES: SectionsCase[] = [
  { name: 'no files', files: [] },
  {
    name: 'all missing',
    files: [{ name: 'a.socket', kind: 'missing' }, { name: 'a@.service', kind: 'missing' }, { name: 'a.sh', kind: 'missing' }],
  },
  {
    name: 'present, missing, a directory, links, a FIFO and an unreadable file',
    files: [
      { name: 'unit.socket', make: regular('[Socket]\n', 0o640), kind: 'present' },
      { name: 'gone.service', kind: 'missing' },
      { name: 'a-directory', make: directory, kind: 'other' },
      // A link is never followed: whatever it points to, octoi reports the link itself.
      { name: 'link-to-file', make: linkTo('unit.socket'), kind: 'link' },
      { name: 'link-to-directory', make: linkTo('a-directory'), kind: 'link' },
      { name: 'dangling-link', make: linkTo('nowhere'), kind: 'link' },
      { name: 'fifo', make: fifo, kind: 'other' },
      { name: 'link-to-write-only', make: linkTo(WRITE_ONLY), kind: 'link' },
      { name: 'script.sh', make: regular('#!/bin/sh\n', 0o755), kind: 'present' },
    ],
  },
  {
    name: 'odd names',
    files: [
      'with space',
      `it's "quoted"`,
      'new\nline',
      'back\\slash',
      'both\\and\nnewline',
      'carriage\rreturn',
      '*',
      '$(touch PWNED)',
      'ünïcode',
    ]
      .map((name): CaseFile => ({ name, make: regular(`content of ${name}\n`), kind: 'present' }))
      .concat([
        { name: '-n', relative: true, make: regular('dash\n'), kind: 'present' },
        { name: '--version', relative: true, make: regular('dashes\n'), kind: 'present' },
        { name: 'missing\\\n', kind: 'missing' },
      ]),
  },
  {
    name: 'sha256sum fails',
    files: [{ name: 'a.socket', make: regular('a\n'), kind: 'unreadable' }, { name: 'b.socket', kind: 'missing' }],
    shadow: { command: 'sha256sum', body: 'echo "sha256sum: broken" >&2\nexit 1\n' },
  },
  {
    name: 'stat fails',
    files: [{ name: 'a.socket', make: regular('a\n'), kind: 'unreadable' }, { name: 'b', make: directory, kind: 'other' }],
    shadow: { command: 'stat', body: 'echo "stat: broken" >&2\nexit 1\n' },
  },
];

describe('file sections: one sha256sum and one stat for all files, output as when read one by one', () => {
  for (const testCase of SECTIONS_CASES) {
    it(testCase.name, () => {
      const host = makeShellHost();
      try {
        const dir = join(host.root, 'case');
        mkdirSync(dir);
        if (testCase.shadow) host.shadowCommand(testCase.shadow.command, testCase.shadow.body);
        else ['sha256sum', 'stat'].forEach((command) => host.logCalls(command));
        for (const file of testCase.files) file.make?.(join(dir, file.name));
        const paths = testCase.files.map((file) => (file.relative ? file.name : join(dir, file.name)));

        const batched = host.run(batchedScript(paths), dir);
        const kinds = new Set(testCase.files.map((file) => file.kind));
        if (!testCase.shadow && !kinds.has('unreadable')) {
          assert.deepEqual(host.loggedCalls(), kinds.has('present') ? ['sha256sum', 'stat'] : [], 'no fallback to one file at a time');
        }
        const perFile = host.run(perFileScript(paths), dir);
        assert.equal(batched.status, 0, batched.stderr);
        assert.equal(batched.stdout, perFile.stdout);
        assert.equal(batched.stderr, perFile.stderr);

        const expected = testCase.files.flatMap((file, index) => {
          const marker = `${MARKER} file ${Buffer.from(paths[index]!).toString('hex')}`;
          return [marker, file.kind === 'present' ? `present ${sha256(readFileSync(join(dir, file.name)))}` : file.kind];
        });
        const lines = batched.stdout.split('\n');
        assert.equal(lines.pop(), '', 'the output ends with a newline or is empty');
        // A present line goes on with the mode, owner and group, which the parser's tests cover.
        assert.deepEqual(
          lines.map((line, index) => (index % 2 === 1 && line.startsWith('present ') ? line.split(' ').slice(0, 2).join(' ') : line)),
          expected,
        );
        assert.ok(!existsSync(join(dir, 'PWNED')), 'no name was run as a command');
      } finally {
        host.cleanup();
      }
    });
  }

  it('a name that is not UTF-8', () => {
    const host = makeShellHost();
    try {
      const latin1Name = Buffer.concat([Buffer.from(join(host.root, 'caf')), Buffer.from([0xe9])]);
      writeFileSync(latin1Name, 'latin-1\n');
      // JavaScript strings cannot hold such a name: the shell makes it from an octal escape.
      const call = (fn: string) =>
        `${PROBE_FUNCTIONS}octoi_path=$(printf '%s/caf\\351' ${shellQuote(host.root)})\n${fn} 6e6f6e2d75746638 "$octoi_path"\n`;
      const batched = host.run(call('octoi_files'));
      assert.equal(batched.stdout, host.run(call('octoi_file')).stdout);
      assert.match(batched.stdout, new RegExp(`^${MARKER} file 6e6f6e2d75746638\npresent ${sha256('latin-1\n')} \\d+ \\S+ \\S+\n$`));
    } finally {
      host.cleanup();
    }
  });

  it('reads five files with one sha256sum and one stat, and a file two services share once', () => {
    const host = makeShellHost();
    try {
      const scriptDir = join(host.root, 'opt', 'hello');
      const first = helloService(join(host.root, 'etc', 'one'), scriptDir);
      const second = helloService(join(host.root, 'etc', 'two'), scriptDir);
      const paths = [...new Set([...first.files, ...second.files].map((file) => file.path))];
      assert.equal(paths.length, 5, 'the services share their script');
      for (const path of paths) {
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(path, `content of ${path}\n`);
      }
      host.logCalls('sha256sum');
      host.logCalls('stat');

      const result = host.run(probeScript([first, second], { layout: host.layout }));
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(host.loggedCalls(), ['sha256sum', 'stat', 'stat'], 'one stat for all files, one for all their folders');
      assert.equal(result.stdout.split('\n').filter((line) => line.startsWith(`${MARKER} file `)).length, 5);
      const facts = parseProbe(result.stdout);
      assert.deepEqual(
        Object.values(facts.files).map((fact) => [fact.path, fact.exists && fact.sha256]),
        paths.sort().map((path) => [path, sha256(`content of ${path}\n`)]),
      );

      // The same sections read one file at a time take two processes each.
      host.run(perFileScript(paths));
      assert.equal(host.loggedCalls().length, 3 + 2 * paths.length);
    } finally {
      host.cleanup();
    }
  });
});

describe('the exposure score in the probe', () => {
  const captured = fixtureCases<OutputFixture<unknown>>('facts/systemd-analyze').find((c) => c.name === 'strict-c-locale')!;
  // Records its arguments, then prints what systemd-analyze printed on a lab host.
  const analyzeReplaying = (calls: string): string =>
    `printf '%s\\n' "$*" >> ${shellQuote(calls)}\ncat <<'OCTOI_CAPTURED'\n${outputText(captured.data)}\nOCTOI_CAPTURED\n`;

  it('scores a present template with systemd-analyze, and asks nothing when not asked or the template is missing', () => {
    const host = makeShellHost();
    try {
      const calls = join(host.root, 'analyze-calls');
      host.shadowCommand('systemd-analyze', analyzeReplaying(calls));
      const unitDir = join(host.root, 'etc', 'systemd', 'system');
      const service = helloService(unitDir, join(host.root, 'opt', 'hello'));
      mkdirSync(unitDir, { recursive: true });

      let facts = parseProbe(host.run(probeScript([service], { layout: host.layout, exposure: true })).stdout);
      assert.equal(facts.exposure, undefined, 'no template: nothing to score');
      assert.equal(existsSync(calls), false);

      writeFileSync(join(unitDir, 'hello@.service'), '[Service]\n');
      assert.equal(parseProbe(host.run(probeScript([service], { layout: host.layout })).stdout).exposure, undefined, 'not asked');
      assert.equal(existsSync(calls), false, 'play never pays for the score');

      facts = parseProbe(host.run(probeScript([service], { layout: host.layout, exposure: true })).stdout);
      assert.deepEqual(facts.exposure, { hello: { score: 0.2, label: 'SAFE' } });
      assert.deepEqual(readFileSync(calls, 'utf8'), 'security --no-pager -- hello@0.service\n');
      assert.deepEqual(facts.unreadable, []);
      assert.equal(parseProbe(host.run(probeScript([{ ...service, state: 'absent' }], { layout: host.layout, exposure: true })).stdout).exposure, undefined, 'an absent service has no score');
    } finally {
      host.cleanup();
    }
  });

  it('a systemd-analyze that fails or prints something else leaves the score unknown, never the facts unreadable', () => {
    const host = makeShellHost();
    try {
      const unitDir = join(host.root, 'etc', 'systemd', 'system');
      const service = helloService(unitDir, join(host.root, 'opt', 'hello'));
      mkdirSync(unitDir, { recursive: true });
      writeFileSync(join(unitDir, 'hello@.service'), '[Service]\n');
      for (const body of ['echo "Unit hello@0.service not found, cannot analyze." >&2; exit 1\n', 'echo "::octoi:: end"; echo "Overall exposure level for x: lots"\n']) {
        host.shadowCommand('systemd-analyze', body);
        const result = host.run(probeScript([service], { layout: host.layout, exposure: true }));
        assert.equal(result.status, 0, result.stderr);
        const facts = parseProbe(result.stdout);
        assert.equal(facts.exposure?.hello, undefined);
        assert.deepEqual(facts.unreadable, []);
        assert.equal(facts.files[join(unitDir, 'hello@.service')]?.exists, true, 'the probe read on past it: a forged end marker is not passed through');
      }
    } finally {
      host.cleanup();
    }
  });
});
