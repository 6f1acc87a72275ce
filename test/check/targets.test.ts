import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseListen } from '../../lib/config/listen.js';
import type { ServiceCheck } from '../../lib/units/types.js';
import { checkTargets, formatTarget, plannedChecks } from '../../lib/check/targets.js';
import type { Listener } from '../../lib/facts/types.js';
import type { DesiredService } from '../../lib/units/types.js';
import { fixtureCases, type OutputFixture } from '../facts/fixture-cases.js';

const check: ServiceCheck = { expect: { kind: 'text', text: 'Hello World' }, timeoutSeconds: 10 };

function service(name: string, listen: (string | number)[], options: { check?: ServiceCheck | null; state?: 'present' | 'absent' } = {}): DesiredService {
  return {
    name,
    state: options.state ?? 'present',
    socketUnit: `${name}.socket`,
    serviceTemplate: `${name}@.service`,
    accept: true,
    mainService: `${name}.service`,
    leftovers: [],
    program: null,
    files: [],
    listen: listen.map((value) => {
      const parsed = parseListen(value);
      if (!parsed.address) throw new Error(parsed.problem);
      return parsed.address;
    }),
    adopt: false,
    allowedDropIns: [],
    secretGroup: '',
    ...(options.check === null ? {} : { check: options.check ?? check }),
  };
}

/** Captured on a lab host: systemd holds *:13063, 13065, 13066 (dual-stack) and 127.0.0.1:13064 + [::1]:13064; sshd 0.0.0.0:22 and [::]:22. */
const lab = fixtureCases<OutputFixture<Listener[]>>('facts/ss').find((fixture) => fixture.name === 'systemd-listeners')!.data.fact;

const addresses = (services: DesiredService[], listeners: readonly Listener[]) => checkTargets(services, listeners).map((target) => `${target.service} ${formatTarget(target)}`);

describe('where checks connect', () => {
  it('a bare port held dual-stack (`*`) is checked on 127.0.0.1 and ::1; a named address on itself', () => {
    assert.deepEqual(addresses([service('hello', [13063]), service('pair', ['127.0.0.1:13064', '[::1]:13064'])], lab), [
      'hello 127.0.0.1:13063', 'hello [::1]:13063', 'pair 127.0.0.1:13064', 'pair [::1]:13064',
    ]);
  });

  it('only the families systemd listens on: IPv4 only (`0.0.0.0`, a host without IPv6) or IPv6 only (`[::]`, BindIPv6Only=ipv6-only)', () => {
    // As ss prints them: `0.0.0.0:PORT`, and `[::]:PORT` for an IPv6-only socket (test/fixtures/facts/ss/bound-to-device-and-v6only.json).
    const systemd = [{ name: 'systemd', pid: 1, fd: 40 }];
    const listeners: Listener[] = [{ address: '0.0.0.0', port: 14001, processes: systemd }, { address: '::', port: 14002, processes: systemd }];
    assert.deepEqual(addresses([service('v4', [14001]), service('v6', [14002])], listeners), ['v4 127.0.0.1:14001', 'v6 [::1]:14002']);
  });

  it('a port held by another process than systemd does not count; without a listener the check tries 127.0.0.1 (and fails there)', () => {
    assert.deepEqual(addresses([service('on-ssh-port', [22]), service('nothing', [14999])], lab), ['on-ssh-port 127.0.0.1:22', 'nothing 127.0.0.1:14999']);
  });

  it('0.0.0.0 and [::] written out are reached through loopback', () => {
    assert.deepEqual(addresses([service('any4', ['0.0.0.0:13064']), service('any6', ['[::]:13063'])], lab), ['any4 127.0.0.1:13064', 'any6 127.0.0.1:13063', 'any6 [::1]:13063']);
  });

  it('services without a check, and absent ones, are not checked', () => {
    assert.deepEqual(addresses([service('plain', [13063], { check: null }), service('gone', [13065], { state: 'absent' })], lab), []);
  });

  it('check mode lists one planned check per declared address', () => {
    assert.deepEqual(plannedChecks([service('hello', [13063, '[::1]:8080'], { check: { expect: { kind: 'regex', source: '^Hi' }, timeoutSeconds: 3 } }), service('plain', [1], { check: null })]), [
      { service: 'hello', address: '*:13063', expect: '/^Hi/', outcome: 'planned' },
      { service: 'hello', address: '[::1]:8080', expect: '/^Hi/', outcome: 'planned' },
    ]);
  });
});
