import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DesiredService } from '../../lib/units/types.js';

/**
 * A stand-in host for running octoi's remote scripts through the real /bin/sh: target paths live
 * under a temporary root, and `systemctl` (absent, or not to be touched, on a test machine) is a
 * recorder that prints canned output and fails on request.
 */
export interface ShellHost {
  root: string;
  run(script: string): { stdout: string; stderr: string; status: number | null };
  /** Canned stdout of `systemctl show` / `systemctl list-units`. */
  setSystemctlOutput(subcommand: 'show' | 'list-units', text: string): void;
  /** Make `systemctl SUBCOMMAND` exit 5 with this stderr. */
  failSystemctl(subcommand: string, stderr: string): void;
  /** Argument lists systemctl was called with, one per call. */
  systemctlCalls(): string[];
  cleanup(): void;
}

const FAKE_SYSTEMCTL = `#!/bin/sh
printf '%s\\n' "$*" >> "$OCTOI_TEST_SYSTEMCTL/calls"
case "$1" in
  show|list-units) cat "$OCTOI_TEST_SYSTEMCTL/$1" 2>/dev/null ;;
  *) if [ -f "$OCTOI_TEST_SYSTEMCTL/fail-$1" ]; then cat "$OCTOI_TEST_SYSTEMCTL/fail-$1" >&2; exit 5; fi ;;
esac
exit 0
`;

export function makeShellHost(): ShellHost {
  const base = mkdtempSync(join(tmpdir(), 'octoi-shell-host-'));
  const root = join(base, 'root');
  const fake = join(base, 'systemctl');
  const bin = join(base, 'bin');
  for (const dir of [root, fake, bin]) mkdirSync(dir);
  writeFileSync(join(bin, 'systemctl'), FAKE_SYSTEMCTL);
  chmodSync(join(bin, 'systemctl'), 0o755);
  return {
    root,
    run(script) {
      const result = spawnSync('/bin/sh', ['-c', script], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, OCTOI_TEST_SYSTEMCTL: fake },
      });
      return { stdout: result.stdout, stderr: result.stderr, status: result.status };
    },
    setSystemctlOutput(subcommand, text) {
      writeFileSync(join(fake, subcommand), text);
    },
    failSystemctl(subcommand, stderr) {
      writeFileSync(join(fake, `fail-${subcommand}`), stderr);
    },
    systemctlCalls() {
      try {
        return readFileSync(join(fake, 'calls'), 'utf8').split('\n').filter((line) => line !== '');
      } catch {
        return [];
      }
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A present service `hello` whose units live in `unitDir` and whose script lives in `scriptDir`. */
export function helloService(unitDir: string, scriptDir: string, socketUnit = 'hello.socket'): DesiredService {
  return {
    name: 'hello',
    state: 'present',
    socketUnit,
    serviceTemplate: 'hello@.service',
    files: [
      { path: join(unitDir, 'hello.socket'), content: '[Socket]\nListenStream=13063\n', mode: 0o644, role: 'socket' },
      { path: join(unitDir, 'hello@.service'), content: '[Service]\n', mode: 0o644, role: 'service' },
      { path: join(scriptDir, 'hello.sh'), content: '#!/bin/sh\necho hi\n', mode: 0o755, role: 'script' },
    ],
    ownedDirectories: [scriptDir],
    listen: [{ host: null, family: 'any', port: 13063, unitValue: '13063' }],
  };
}
