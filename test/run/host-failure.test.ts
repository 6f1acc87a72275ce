import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FactsError, UnsupportedHostError } from '../../lib/host/failure.js';
import { HostLockError } from '../../lib/host/failure.js';
import { exitCodeOfRun } from '../../lib/cli/exit.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { classifyFailure } from '../../lib/run/host-failure.js';
import type { HostPhase } from '../../lib/host/results.js';
import { SshError, type SshFailureReason } from '../../lib/ssh/errors.js';

const ssh = (reason: SshFailureReason): SshError => new SshError(reason, 'gw01', `${reason} on gw01`);

/** [error, phase, status, reason, exit code of a run with only this host] */
const TABLE: [unknown, HostPhase, string, string, number][] = [
  [ssh('unreachable'), 'connect', 'unreachable', 'unreachable', ExitCode.hostsUnreachable],
  [ssh('timeout'), 'connect', 'unreachable', 'timeout', ExitCode.hostsUnreachable],
  [ssh('auth'), 'connect', 'unreachable', 'auth', ExitCode.hostsUnreachable],
  [ssh('host-key-changed'), 'connect', 'unreachable', 'host-key', ExitCode.hostsUnreachable],
  [ssh('host-key-unknown'), 'connect', 'unreachable', 'host-key', ExitCode.hostsUnreachable],
  [ssh('connection-lost'), 'connect', 'unreachable', 'connection-lost', ExitCode.hostsUnreachable],
  // Once logged in, the host was reached: what goes wrong fails it.
  [ssh('connection-lost'), 'facts', 'failed', 'connection-lost', ExitCode.hostsFailed],
  [ssh('timeout'), 'facts', 'failed', 'timeout', ExitCode.hostsFailed],
  [ssh('auth'), 'facts', 'failed', 'auth', ExitCode.hostsFailed],
  [new FactsError('sha256sum is not installed'), 'facts', 'failed', 'facts-unreadable', ExitCode.hostsFailed],
  [new UnsupportedHostError('systemd is not PID 1 (found: sshd); octoi manages systemd socket units'), 'facts', 'failed', 'host-unsupported', ExitCode.hostsFailed],
  [new HostLockError('another octoi run holds gw01', 'wait'), 'facts', 'failed', 'host-locked', ExitCode.hostsFailed],
  [OctoiError.single('internal', { message: 'probe output incomplete' }), 'facts', 'failed', 'internal', ExitCode.hostsFailed],
  [new TypeError('a bug'), 'facts', 'failed', 'internal', ExitCode.hostsFailed],
  [ssh('connection-lost'), 'upload', 'failed', 'connection-lost', ExitCode.hostsFailed],
  [ssh('timeout'), 'apply', 'failed', 'timeout', ExitCode.hostsFailed],
  [ssh('connection-lost'), 'verify', 'failed', 'connection-lost', ExitCode.hostsFailed],
];

describe('classifyFailure: one table for play, plan and status', () => {
  for (const [error, phase, status, reason, exitCode] of TABLE) {
    it(`${(error as Error).constructor.name} ${(error as SshError).reason ?? ''} while ${phase}: ${status} (${reason}), exit ${exitCode}`, () => {
      const classified = classifyFailure(error, phase);
      assert.equal(classified.status, status);
      assert.equal(classified.failure.reason, reason);
      assert.ok(classified.failure.message.length > 0);
      assert.equal(exitCodeOfRun([{ status: classified.status }], false), exitCode);
    });
  }

  it('calls any failure during an interrupt interrupted, and the run exits 130', () => {
    const controller = new AbortController();
    controller.abort();
    for (const phase of ['connect', 'facts'] as const) {
      const classified = classifyFailure(ssh('connection-lost'), phase, controller.signal);
      assert.deepEqual([classified.status, classified.failure.reason], ['failed', 'interrupted']);
    }
    assert.equal(exitCodeOfRun([{ status: 'failed' }], true), ExitCode.interrupted);
  });

  it('lets a failed host outrank an unreachable one in the exit code', () => {
    assert.equal(exitCodeOfRun([{ status: 'unreachable' }, { status: 'failed' }, { status: 'ok' }], false), ExitCode.hostsFailed);
  });
});
