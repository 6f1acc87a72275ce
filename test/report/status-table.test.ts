import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStatusTable } from '../../lib/report/status-table.js';
import type { ServiceStatus } from '../../lib/host/status.js';
import type { StatusReport } from '../../lib/report/status-table.js';
import { fixtureCases } from '../facts/fixture-cases.js';

const captured = (name: string): Record<string, ServiceStatus> => {
  const found = fixtureCases<{ services: Record<string, ServiceStatus> }>('status').find((fixture) => fixture.name === name);
  if (!found) throw new Error(`no status fixture ${name}`);
  return found.data.services;
};

describe('formatStatusTable', () => {
  it('lines up one row per host and service, then hosts that could not be read, then the counts', () => {
    const report: StatusReport = {
      hosts: {
        gw01: { status: 'ok', services: captured('discovery-five-services') },
        gw02: { status: 'ok', services: captured('playbook-not-deployed') },
        gw03: { status: 'unreachable', services: {}, error: 'cannot reach root@10.83.128.4:22: connect EHOSTUNREACH 10.83.128.4:22' },
        gw04: { status: 'ok', services: {} },
        gw05: { status: 'failed', services: {}, error: 'reading the status failed with exit code 127: sh: 1: systemctl: not found' },
        gw06: { status: 'ok', services: captured('playbook-helloworld-strict') },
      },
    };
    assert.equal(
      formatStatusTable(report),
      [
        'HOST  SERVICE           ENABLED    ACTIVE    LISTENING                    ACCEPTED  CONNECTIONS  REFUSED  EXPOSURE',
        'gw01  octoi-helloworld  enabled    active    *:13063                             3            0        0  unknown',
        'gw01  octoi-local       enabled    active    127.0.0.1:14010,[::1]:14010         0            0        0  unknown',
        'gw01  octoi-moved       enabled    active    -                                   0            0        0  unknown',
        'gw01  octoi-slow        enabled    active    *:14050                             1            1        1  unknown',
        'gw01  octoi-stopped     disabled   inactive  -                                   0            0        0  unknown',
        'gw02  octoi-echo        not-found  inactive  -                                   0            0        0  unknown',
        'gw06  octoi-helloworld  enabled    active    *:13063                             1            0        0  0.2 SAFE',
        'gw03: unreachable: cannot reach root@10.83.128.4:22: connect EHOSTUNREACH 10.83.128.4:22',
        'gw04: no socket-activated services',
        'gw05: failed: reading the status failed with exit code 127: sh: 1: systemctl: not found',
        '6 hosts: 4 ok, 1 unreachable, 1 failed',
      ].join('\n'),
    );
  });

  it('adds the PROCESS column when an Accept=no service is listed: its service state and main PID', () => {
    const report: StatusReport = { hosts: { gw01: { status: 'ok', services: captured('discovery-accept-no') } } };
    assert.equal(
      formatStatusTable(report),
      [
        'HOST  SERVICE      ENABLED  ACTIVE  LISTENING  ACCEPTED  CONNECTIONS  REFUSED  EXPOSURE  PROCESS',
        'gw01  args         enabled  active  *:13093           1            0        0  unknown   -',
        'gw01  counter      enabled  active  *:13090           0            0        0  unknown   active pid 1794',
        'gw01  idle-daemon  enabled  active  *:13092           0            0        0  unknown   inactive',
        '1 host: 1 ok, 0 unreachable, 0 failed',
      ].join('\n'),
    );
  });

  it('prints no header when no host has a service', () => {
    const report: StatusReport = { hosts: { gw01: { status: 'unreachable', services: {}, error: 'timed out' } } };
    assert.equal(formatStatusTable(report), 'gw01: unreachable: timed out\n1 host: 0 ok, 1 unreachable, 0 failed');
  });
});
