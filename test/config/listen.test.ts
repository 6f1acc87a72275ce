import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listenersCollide, parseListen } from '../../lib/config/listen.js';
import type { ListenAddress } from '../../lib/units/types.js';

describe('parseListen', () => {
  const accepted: [number | string, ListenAddress][] = [
    [13063, { host: null, family: 'any', port: 13063, unitValue: '13063' }],
    ['80', { host: null, family: 'any', port: 80, unitValue: '80' }],
    [65535, { host: null, family: 'any', port: 65535, unitValue: '65535' }],
    ['127.0.0.1:8080', { host: '127.0.0.1', family: 'ipv4', port: 8080, unitValue: '127.0.0.1:8080' }],
    ['0.0.0.0:1', { host: '0.0.0.0', family: 'ipv4', port: 1, unitValue: '0.0.0.0:1' }],
    ['[::1]:443', { host: '::1', family: 'ipv6', port: 443, unitValue: '[::1]:443' }],
    ['[0:0:0:0:0:0:0:1]:443', { host: '::1', family: 'ipv6', port: 443, unitValue: '[::1]:443' }],
    ['[FD00::A]:22', { host: 'fd00::a', family: 'ipv6', port: 22, unitValue: '[fd00::a]:22' }],
    ['[::ffff:10.0.0.1]:22', { host: '::ffff:a00:1', family: 'ipv6', port: 22, unitValue: '[::ffff:a00:1]:22' }],
  ];
  for (const [input, address] of accepted) {
    it(`accepts ${JSON.stringify(input)}`, () => assert.deepEqual(parseListen(input), { address }));
  }

  const refused: [number | string, RegExp][] = [
    [0, /port 0 is out of range 1-65535/],
    [70000, /port 70000 is out of range/],
    ['1.2.3.4:65536', /port 65536 is out of range/],
    ['abc', /"abc" is not a port or an address with a port/],
    ['*:80', /names no address/],
    [':80', /names no address/],
    ['1.2.3:80', /"1.2.3" is not an IPv4 address/],
    ['256.0.0.1:80', /"256.0.0.1" is not an IPv4 address/],
    ['01.2.3.4:80', /"01.2.3.4" is not an IPv4 address/],
    ['example.org:80', /"example.org" is not an IPv4 address/],
    ['[1.2.3.4]:80', /"\[1.2.3.4\]" is not an IPv6 address/],
    ['[fe80::1%eth0]:80', /is not an IPv6 address/],
    ['[::1]', /not a port/],
    ['::1:80', /IPv6 address without brackets/],
    ['1.2.3.4:80;rm', /not a port/],
  ];
  for (const [input, problem] of refused) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      const result = parseListen(input);
      assert.match(result.problem ?? '(accepted)', problem);
      assert.ok(result.hint);
    });
  }

  it('suggests brackets for a bare IPv6 address', () => {
    assert.match(parseListen('fd00::1:80').hint ?? '', /\[fd00::1\]/);
  });
});

describe('listenersCollide', () => {
  const at = (text: string): ListenAddress => {
    const { address } = parseListen(text);
    assert.ok(address, text);
    return address;
  };
  const table: [string, string, boolean][] = [
    ['80', '80', true],
    ['80', '127.0.0.1:80', true],
    ['80', '[::1]:80', true],
    ['[::]:80', '127.0.0.1:80', true],
    ['0.0.0.0:80', '127.0.0.1:80', true],
    ['0.0.0.0:80', '[::1]:80', false],
    ['127.0.0.1:80', '127.0.0.2:80', false],
    ['127.0.0.1:80', '127.0.0.1:81', false],
    ['[::1]:80', '[0::1]:80', true],
    ['80', '81', false],
  ];
  for (const [a, b, collide] of table) {
    it(`${a} and ${b} ${collide ? 'collide' : 'do not collide'}`, () => {
      assert.equal(listenersCollide(at(a), at(b)), collide);
      assert.equal(listenersCollide(at(b), at(a)), collide);
    });
  }
});
