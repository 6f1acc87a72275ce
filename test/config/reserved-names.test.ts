import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reservedNameProblem } from '../../lib/config/reserved-names.js';

describe('reservedNameProblem', () => {
  it('refuses the units a gateway cannot do without', () => {
    for (const name of ['dbus', 'ssh', 'sshd', 'getty', 'serial-getty', 'cron', 'systemd-journald', 'systemd-logind', 'dbus-broker', 'octoi']) {
      assert.ok(reservedNameProblem(name), name);
    }
    assert.match(reservedNameProblem('systemd-networkd') ?? '', /names starting with systemd- belong to the operating system/);
  });

  it("lets names of a site's own services through", () => {
    for (const name of ['octoi-helloworld', 'sshproxy-gw', 'cronjob-echo', 'my-dbus-bridge', 'ssh2-echo']) assert.equal(reservedNameProblem(name), null, name);
  });
});
