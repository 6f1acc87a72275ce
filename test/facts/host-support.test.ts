import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MINIMUM_SYSTEMD, unsupportedHost } from '../../lib/facts/host-support.js';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { fixtureCases, outputText, type OutputFixture } from './fixture-cases.js';

const probeFixture = (name: string): string => {
  const found = fixtureCases<OutputFixture<unknown>>('facts/probe').find((fixture) => fixture.name === name);
  if (!found) throw new Error(`no probe fixture ${name}`);
  return outputText(found.data);
};

describe('hosts octoi cannot manage', () => {
  it('manages the systemd of Debian 11, 12 and 13, as their probes printed it', () => {
    for (const release of ['debian11', 'debian12', 'debian13']) {
      const facts = parseProbe(probeFixture(`${release}-converged`));
      assert.deepEqual(facts.unsupported, [], release);
      assert.deepEqual(facts.unreadable, [], release);
    }
  });

  it('refuses a host whose PID 1 is sshd, naming what it found', () => {
    const facts = parseProbe(probeFixture('no-systemd-pid1'));
    assert.deepEqual(facts.unsupported, ['systemd is not PID 1 (found: sshd); octoi manages systemd socket units']);
  });

  it(`refuses a systemd older than ${MINIMUM_SYSTEMD}, whatever else the probe read`, () => {
    const facts = parseProbe(probeFixture('systemd-older-than-minimum'));
    assert.deepEqual(facts.unsupported, [`systemd 241 is older than ${MINIMUM_SYSTEMD}, the oldest octoi supports (Debian 11's)`]);
    assert.deepEqual(facts.unreadable, [], 'the facts themselves were read');
  });

  it('takes the minimum itself and every later version, and reads the number, not the text', () => {
    assert.deepEqual(unsupportedHost(['systemd', `systemd ${MINIMUM_SYSTEMD} (${MINIMUM_SYSTEMD}.3-7+deb11u5)`]), []);
    assert.deepEqual(unsupportedHost(['systemd', 'systemd 1000 (1000~rc1)']), []);
    assert.match(unsupportedHost(['systemd', 'systemd 99 (99)'])[0] ?? '', /^systemd 99 is older than/);
  });

  it('claims nothing it did not read: no PID 1 name, or a version line it cannot parse', () => {
    assert.deepEqual(unsupportedHost([]), []);
    assert.deepEqual(unsupportedHost(['']), []);
    assert.deepEqual(unsupportedHost(['systemd']), [], 'systemctl missing: the missing tool is reported instead');
    assert.deepEqual(unsupportedHost(['systemd', 'systemctl: command not found']), []);
  });

  it('names a PID 1 with spaces or a look-alike as it is', () => {
    assert.deepEqual(unsupportedHost(['my init']), ['systemd is not PID 1 (found: my init); octoi manages systemd socket units']);
    assert.match(unsupportedHost(['systemd-shim'])[0] ?? '', /found: systemd-shim/);
  });
});
