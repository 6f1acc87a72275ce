import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckRecord } from '../../lib/check/types.js';
import { hostResultLines } from '../../lib/report/host-lines.js';
import { jsonHostEntry } from '../../lib/report/json.js';
import { junitDocument } from '../../lib/report/junit-view.js';
import { formatRecap } from '../../lib/report/recap.js';
import { mergeHostResults } from '../../lib/run/results.js';
import type { HostResult } from '../../lib/run/types.js';

const passed: CheckRecord = { service: 'hello', address: '127.0.0.1:13063', expect: '"Hello World"', outcome: 'passed', bytes: 12, durationMs: 40 };
const wrong: CheckRecord = {
  service: 'hello', address: '[::1]:13063', expect: '"Hello World"', outcome: 'failed', failure: 'closed', bytes: 12, durationMs: 50,
  message: "port 13063 on ::1 answered 'Hello Wrold\\n' (12 bytes) and closed the connection after 0.1 s; expected \"Hello World\"",
};
const host = (checks: CheckRecord[], failed = false): HostResult => ({
  host: 'gw01', status: failed ? 'failed' : 'ok', phase: 'check', actions: [], changes: [], problems: [], checks, execs: 1, uploads: 0, durationMs: 300,
  ...(failed ? { error: { reason: 'check-failed' as const, message: `hello: ${wrong.message}`, hint: 'see what it answered' } } : {}),
});

/** A host none of whose services declares a check. */
const unchecked = (): HostResult => {
  const { checks: _none, ...rest } = host([]);
  return rest;
};

describe('checks in the reports', () => {
  it('the recap counts passed checks, and a failed host shows what came back', () => {
    assert.match(formatRecap([host([passed, passed])], 300, false), /^ {2}gw01 {2}ok {11}in sync, 2 checks passed, 1 command, 0 uploads, 0\.3 s$/m);
    assert.match(formatRecap([host([passed, wrong], true)], 300, false), /^ {2}gw01 {2}failed {7}hello: port 13063 on ::1 answered 'Hello Wrold\\n'/m);
  });

  it('host lines list each check with its outcome', () => {
    assert.deepEqual(hostResultLines(host([passed, wrong], true)).slice(1, 3), [
      'gw01:   ✓ check hello 127.0.0.1:13063: "Hello World" (12 bytes, 0.0 s)',
      `gw01:   ! check hello [::1]:13063: ${wrong.message}`,
    ]);
    assert.deepEqual(hostResultLines(host([{ service: 'hello', address: '*:13063', expect: '/^Hi/', outcome: 'planned' }])).slice(1), ['gw01:   ? check hello *:13063: expect /^Hi/ (planned)']);
  });

  it('JSON carries every check, and each failed one counts in `failed`', () => {
    const entry = jsonHostEntry(host([passed, wrong], true));
    assert.deepEqual(entry.checks, [passed, wrong]);
    assert.equal(entry.failed, 1);
    assert.deepEqual(entry.error, { reason: 'check-failed', message: `hello: ${wrong.message}` });
    assert.equal('checks' in jsonHostEntry(unchecked()), false, 'no key without checks');
  });

  it('JUnit fails the testcase of the service whose check failed, and only that one', () => {
    const result: HostResult = { ...host([passed, wrong], true), checks: [passed, wrong, { ...passed, service: 'other' }] };
    const xml = junitDocument([result], () => ['hello', 'other'], false, 300);
    assert.match(xml, /<testsuites name="octoi" tests="2" failures="1"/);
    assert.match(xml, /<testcase classname="gw01" name="hello" time="0\.300"><failure type="check-failed" message="port 13063 on ::1 answered &#39;Hello Wrold\\n&#39;/);
    assert.match(xml, /<testcase classname="gw01" name="other" time="0\.300"><system-out>✓ check other 127\.0\.0\.1:13063: &#34;Hello World&#34; \(12 bytes, 0\.0 s\)<\/system-out><\/testcase>/);
  });

  it('a host in several plays keeps the checks of each', () => {
    const merged = mergeHostResults('gw01', [host([passed]), unchecked(), host([wrong], true)]);
    assert.deepEqual(merged.checks, [passed, wrong]);
    assert.equal(merged.status, 'failed');
  });
});
