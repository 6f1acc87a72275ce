import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseListen } from '../../lib/config/listen.js';
import type { ListenAddress } from '../../lib/units/types.js';
import { parseDiscovery } from '../../lib/facts/discover.js';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { unknownUnit } from '../../lib/facts/systemctl-show.js';
import { discoveredTargets, reportedListenAddresses, servicesStatus, type StatusTarget } from '../../lib/status/service-status.js';
import type { ServiceStatus } from '../../lib/host/status.js';
import { fixtureCases } from '../facts/fixture-cases.js';

/**
 * A captured remote output and the status it means. With `declared` (service name → its
 * playbook `listen:` values) the output is the fact probe's; without, the discovery script's.
 */
interface StatusFixture {
  source: string;
  command: string;
  declared?: Record<string, Array<number | string>>;
  output: string[];
  services: Record<string, ServiceStatus>;
}

const fixtures = fixtureCases<StatusFixture>('status');

function listenAddress(value: number | string): ListenAddress {
  const { address, problem } = parseListen(value);
  if (!address) throw new Error(`fixture listen value ${value}: ${problem}`);
  return address;
}

function statusOf(fixture: StatusFixture): Record<string, ServiceStatus> {
  const text = fixture.output.join('\n');
  if (fixture.declared) {
    const targets: StatusTarget[] = Object.entries(fixture.declared).map(([name, listen]) => ({ name, socketUnit: `${name}.socket`, listen: listen.map(listenAddress) }));
    return servicesStatus(targets, parseProbe(text));
  }
  const { services, facts } = parseDiscovery(text);
  return servicesStatus(discoveredTargets(services), facts);
}

describe('service status from captured outputs', () => {
  for (const { name, data } of fixtures) {
    it(name, () => {
      assert.ok(data.source.length > 0, 'a fixture says where its output came from');
      assert.deepEqual(statusOf(data), data.services);
    });
  }
});

describe('reportedListenAddresses', () => {
  it('keeps the TCP entries of Listen= and drops datagram, FIFO and Unix socket entries', () => {
    const socket = {
      ...unknownUnit('mixed.socket'),
      listen: ['[::]:13063 (Stream)', '127.0.0.1:53 (Datagram)', '/run/mixed.sock (Stream)', '/run/mixed.fifo (FIFO)', '[fd00::1]:80 (Stream)', '10.0.0.1:8080 (Stream)'],
    };
    assert.deepEqual(
      reportedListenAddresses(socket).map((address) => [address.host, address.port]),
      [['::', 13063], ['fd00::1', 80], ['10.0.0.1', 8080]],
    );
  });

  it('lets a declared address and the one systemd reports name the same listener once', () => {
    const helloworld = fixtures.find((fixture) => fixture.name === 'playbook-helloworld');
    assert.ok(helloworld);
    const facts = parseProbe(helloworld.data.output.join('\n'));
    const target: StatusTarget = { name: 'octoi-helloworld', socketUnit: 'octoi-helloworld.socket', listen: [listenAddress(13063), listenAddress('[::]:13063')] };
    assert.deepEqual(servicesStatus([target], facts)['octoi-helloworld']?.listening, ['*:13063']);
  });
});
