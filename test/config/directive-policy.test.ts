import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privilegedReason, type DirectiveSection } from '../../lib/config/directive-policy.js';
import { describeAction } from '../../lib/plan/describe.js';

type Case = [DirectiveSection, string, string];

describe('directive policy', () => {
  it('lets through what tunes the socket, limits resources or narrows the sandbox', () => {
    const allowed: Case[] = [
      ['socket', 'Backlog', '16'], ['socket', 'MaxConnectionsPerSource', '4'], ['socket', 'FreeBind', 'yes'],
      ['service', 'PrivateTmp', 'yes'], ['service', 'ProtectSystem', 'strict'], ['service', 'SystemCallFilter', '@system-service'],
      ['service', 'SystemCallFilter', '~@mount'], ['service', 'CapabilityBoundingSet', ''], ['service', 'CapabilityBoundingSet', '~CAP_SYS_ADMIN'],
      ['service', 'ExecStartPre', '-/usr/bin/true'], ['service', 'ExecStopPost', '@/bin/sh sh -c true'], ['service', 'StandardOutput', 'journal'],
      ['service', 'MemoryMax', '64M'], ['service', 'Environment', 'A=1'], ['service', 'StateDirectory', 'echo'],
    ];
    for (const [section, key, value] of allowed) assert.equal(privilegedReason(section, key, value), null, `${section} ${key}=${value}`);
  });

  it('asks for privileged: true for what runs code as root, adds privileges or writes outside the sandbox', () => {
    const privileged: [...Case, RegExp][] = [
      ['socket', 'ExecStartPre', '/usr/bin/true', /runs its commands as root/],
      ['socket', 'ExecStopPost', '/usr/bin/true', /runs its commands as root/],
      ['socket', 'Symlinks', '/etc/x', /allow-list of socket directives/],
      ['socket', 'ListenDatagram', '53', /allow-list/],
      ['socket', 'Service', 'other.service', /allow-list/],
      ['service', 'ExecStartPre', '+/usr/bin/id', /full privileges/],
      ['service', 'ExecStartPost', '-!/usr/bin/id', /full privileges/],
      ['service', 'ExecStop', '!!/usr/bin/id', /full privileges/],
      ['service', 'StandardOutput', 'file:/etc/motd', /as root/],
      ['service', 'StandardOutput', 'append:/var/log/x', /as root/],
      ['service', 'AmbientCapabilities', 'CAP_NET_ADMIN', /allow-list/],
      ['service', 'SupplementaryGroups', 'shadow', /allow-list/],
      ['service', 'ReadWritePaths', '/etc', /allow-list/],
      ['service', 'BindPaths', '/etc:/mnt', /allow-list/],
      ['service', 'EnvironmentFile', '/etc/shadow', /allow-list/],
      ['service', 'PrivateTmp', 'no', /protection of the sandbox off/],
      ['service', 'ProtectSystem', 'false', /off/],
      ['service', 'NoNewPrivileges', 'OFF', /off/],
      ['service', 'SystemCallFilter', '', /resets the list/],
      ['service', 'RestrictAddressFamilies', '  ', /resets the list/],
      ['service', 'CapabilityBoundingSet', 'CAP_SYS_ADMIN', /adds capabilities/],
      ['service', 'SomethingNewerThanThisList', 'yes', /allow-list/],
    ];
    for (const [section, key, value, reason] of privileged) assert.match(privilegedReason(section, key, value) ?? 'allowed', reason, `${section} ${key}=${value}`);
  });

  it('plan flags the privileged directives of a unit it writes', () => {
    const line = describeAction({ kind: 'write-file', path: '/etc/systemd/system/x@.service', content: '', mode: 0o644, change: 'create', service: 'x', privileged: ['ExecStartPre=+/usr/bin/id'] });
    assert.equal(line, '+ create /etc/systemd/system/x@.service (0644) [privileged: ExecStartPre=+/usr/bin/id]');
  });
});
