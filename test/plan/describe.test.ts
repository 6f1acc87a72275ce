import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeAction, formatSummary, summarizeActions } from '../../lib/plan/describe.js';
import type { Action } from '../../lib/plan/types.js';

const CASES: [Action, string][] = [
  [{ kind: 'write-file', path: '/etc/systemd/system/x.socket', content: '', mode: 0o644, change: 'create', service: 'x' }, '+ create /etc/systemd/system/x.socket (0644)'],
  [{ kind: 'write-file', path: '/etc/systemd/system/x.socket', content: '', mode: 0o644, change: 'update', service: 'x' }, '~ update /etc/systemd/system/x.socket (0644)'],
  [{ kind: 'write-file', path: '/opt/x/x.sh', content: '', mode: 0o755, change: 'mode', service: 'x' }, '~ set mode 0755 root:root on /opt/x/x.sh'],
  [{ kind: 'remove-file', path: '/opt/x/x.sh', service: 'x' }, '- remove /opt/x/x.sh'],
  [{ kind: 'remove-directory', path: '/opt/x', service: 'x' }, '- remove directory /opt/x'],
  [{ kind: 'remove-temp-file', path: '/opt/x/.x.sh.octoi-tmp.1' }, '- remove leftover temp file /opt/x/.x.sh.octoi-tmp.1'],
  [{ kind: 'daemon-reload' }, '± daemon-reload'],
  [{ kind: 'enable-socket', unit: 'x.socket', service: 'x' }, '+ enable x.socket'],
  [{ kind: 'start-socket', unit: 'x.socket', service: 'x', enabledNow: true }, '+ start x.socket'],
  [{ kind: 'create-directory', path: '/opt/x', service: 'x' }, '+ create directory /opt/x (0755)'],
  [{ kind: 'adopt-file', path: '/opt/x/x.sh', service: 'x', reason: 'adopt: true' }, '~ adopt /opt/x/x.sh (adopt: true)'],
  [{ kind: 'remove-drop-in', path: '/etc/systemd/system/x.socket.d/a.conf', service: 'x' }, '- remove drop-in /etc/systemd/system/x.socket.d/a.conf (not allowed by allow_drop_ins)'],
  [{ kind: 'restart-socket', unit: 'x.socket', service: 'x', reason: 'not listening on *:13064' }, '± restart x.socket (not listening on *:13064)'],
  [{ kind: 'disable-socket', unit: 'x.socket', service: 'x' }, '- disable --now x.socket'],
  [{ kind: 'stop-instances', template: 'x@.service', service: 'x' }, '- stop running instances of x@.service'],
  [{ kind: 'reset-failed', units: ['x.socket', 'x@1.service'], service: 'x' }, '± reset-failed x.socket x@1.service'],
  [{ kind: 'remove-file', path: '/opt/a\nb', service: 'x' }, '- remove /opt/a\\x0ab'],
  [{ kind: 'restart-service', unit: 'x.service', service: 'x', reason: 'script changed: the running process keeps the old code otherwise' }, '± restart x.service if it runs (script changed: the running process keeps the old code otherwise)'],
  [{ kind: 'stop-service', unit: 'x.service', service: 'x', reason: 'state: absent' }, '- stop x.service (state: absent)'],
];

describe('describeAction', () => {
  for (const [action, line] of CASES) {
    it(line, () => assert.equal(describeAction(action), line));
  }
});

describe('summarizeActions', () => {
  it('counts actions by symbol', () => {
    const summary = summarizeActions(CASES.map(([action]) => action));
    assert.deepEqual(summary, { add: 4, change: 3, remove: 8, restart: 4, total: 19 });
    assert.equal(formatSummary(summary), '4 to add, 3 to change, 8 to remove, 4 to restart/reload');
  });

  it('says so when there is nothing to do', () => {
    assert.equal(formatSummary(summarizeActions([])), 'no changes');
  });
});
