import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostLayout } from '../../lib/host-layout.js';
import { shellQuote } from '../../lib/shell.js';
import type { DesiredService } from '../../lib/units/types.js';

/**
 * A stand-in host for running octoi's remote scripts through the real /bin/sh: target paths live
 * under a temporary root, and `systemctl` (absent, or not to be touched, on a test machine) is a
 * recorder that prints canned output and fails on request.
 */
export interface ShellHost {
  root: string;
  /** octoi's own state and lock folders, and the system's unit folders, under `root`. */
  layout: HostLayout;
  /** Run `script` in `cwd` (by default the test's own working directory). */
  run(script: string, cwd?: string): { stdout: string; stderr: string; status: number | null };
  /** Canned stdout of `systemctl show`. */
  setSystemctlShow(text: string): void;
  /** Make `systemctl SUBCOMMAND` exit 5 with this stderr. */
  failSystemctl(subcommand: string, stderr: string): void;
  /** Argument lists systemctl was called with, one per call. */
  systemctlCalls(): string[];
  /** Put a `sh` script with this body on PATH ahead of the real `name`. */
  shadowCommand(name: string, body: string): void;
  /** Record each call of `name` before running the real one; see `loggedCalls`. */
  logCalls(name: string): void;
  /** The names of the commands given to `logCalls`, one per call, in call order. */
  loggedCalls(): string[];
  cleanup(): void;
}

// `--version` asks no service manager: it is left out of the calls recorded.
const FAKE_SYSTEMCTL = `if [ "$1" = --version ]; then echo 'systemd 252 (252.39-1~deb12u2)'; exit 0; fi
printf '%s\\n' "$*" >> "$OCTOI_TEST_SYSTEMCTL/calls"
case "$1" in
  show) cat "$OCTOI_TEST_SYSTEMCTL/show" 2>/dev/null ;;
  *) if [ -f "$OCTOI_TEST_SYSTEMCTL/fail-$1" ]; then cat "$OCTOI_TEST_SYSTEMCTL/fail-$1" >&2; exit 5; fi ;;
esac
exit 0
`;

export function makeShellHost(): ShellHost {
  // Not under /tmp (nor a checkout that may lie below it): octoi refuses to install below a folder
  // others may write to, as sshd does. /run is root's (0755) on every machine these tests run on.
  const parent = '/run/octoi-shell-hosts';
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const base = mkdtempSync(join(parent, 'host-'));
  chmodSync(base, 0o755);
  const root = join(base, 'root');
  const fake = join(base, 'systemctl');
  const bin = join(base, 'bin');
  const callLog = join(base, 'logged-calls');
  const systemPath = process.env.PATH ?? '/usr/bin:/bin';
  for (const dir of [root, fake, bin]) mkdirSync(dir);
  const shadowCommand = (name: string, body: string): void => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}`);
    chmodSync(join(bin, name), 0o755);
  };
  shadowCommand('systemctl', FAKE_SYSTEMCTL);
  const layout: HostLayout = {
    stateDirectory: join(root, 'var', 'lib', 'octoi'),
    lockDirectory: join(root, 'run', 'octoi'),
    systemUnitDirectories: [join(root, 'lib', 'systemd', 'system')],
    initName: join(root, 'proc-1-comm'),
    systemdLibraryDirectories: [join(root, 'usr', 'lib', 'systemd'), join(root, 'usr', 'lib', '*', 'systemd')],
  };
  writeFileSync(layout.initName, 'systemd\n');
  return {
    root,
    layout,
    run(script, cwd) {
      const result = spawnSync('/bin/sh', ['-c', script], {
        cwd,
        encoding: 'utf8',
        // A script that blocks (say, reading a FIFO) fails its test instead of hanging it.
        timeout: 10_000,
        env: { ...process.env, PATH: `${bin}:${systemPath}`, OCTOI_TEST_SYSTEMCTL: fake },
      });
      return { stdout: result.stdout, stderr: result.stderr, status: result.status };
    },
    setSystemctlShow(text) {
      writeFileSync(join(fake, 'show'), text);
    },
    failSystemctl(subcommand, stderr) {
      writeFileSync(join(fake, `fail-${subcommand}`), stderr);
    },
    systemctlCalls() {
      return linesOf(join(fake, 'calls'));
    },
    shadowCommand,
    logCalls(name) {
      const real = spawnSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8', env: { ...process.env, PATH: systemPath } });
      if (real.status !== 0) throw new Error(`${name} is not installed`);
      shadowCommand(name, `printf '%s\\n' ${shellQuote(name)} >> ${shellQuote(callLog)}\nexec ${shellQuote(real.stdout.trim())} "$@"\n`);
    },
    loggedCalls() {
      return linesOf(callLog);
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true });
      // Other hosts may still use the shared parent: it goes only once empty.
      try {
        rmdirSync(parent);
      } catch {
        // not empty yet
      }
    },
  };
}

/** The lines of a log that may not exist yet. */
function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') : [];
}

/** A present service `hello` whose units live in `unitDir` and whose script lives in `scriptDir`. */
export function helloService(unitDir: string, scriptDir: string, socketUnit = 'hello.socket'): DesiredService {
  return {
    name: 'hello',
    state: 'present',
    accept: true,
    socketUnit,
    serviceTemplate: 'hello@.service',
    mainService: 'hello.service',
    leftovers: [],
    program: null,
    files: [
      { path: join(unitDir, 'hello.socket'), content: '[Socket]\nListenStream=13063\n', mode: 0o644, role: 'socket', earlierVersions: [] },
      { path: join(unitDir, 'hello@.service'), content: '[Service]\n', mode: 0o644, role: 'service', earlierVersions: [] },
      { path: join(scriptDir, 'hello.sh'), content: '#!/bin/sh\necho hi\n', mode: 0o755, role: 'script', earlierVersions: [] },
    ],
    listen: [{ host: null, family: 'any', port: 13063, unitValue: '13063' }],
    adopt: false,
    allowedDropIns: [],
    secretGroup: 'octoi-secret-hello',
  };
}
