import { UNIT_DIRECTORY } from '../units/names.js';
import { HOST_LAYOUT } from '../host-layout.js';
import { shellCommand, shellQuote } from '../shell.js';
import { parseProbe } from './parse-probe.js';
import { PROBE_FUNCTIONS } from './probe.js';
import { decodeHex, parseMarker, splitLines } from './probe-format.js';
import type { HostFacts } from './types.js';

/**
 * One POSIX `sh` script that finds the services octoi-style units make up on a host — every
 * `NAME.socket` in the unit directory with a `NAME@.service` template beside it (Accept=yes) or
 * else a `NAME.service` (Accept=no) — and reads their sockets' state (and the plain service's),
 * and the host's TCP listeners. Masked units (links to /dev/null) are no regular files and are
 * left out. Parse its output with `parseDiscovery`.
 */
export function discoveryScript(unitDirectory: string = UNIT_DIRECTORY): string {
  return `${PROBE_FUNCTIONS}octoi_marker probe 1
octoi_tools
${shellCommand(['octoi_init', HOST_LAYOUT.initName])}
for octoi_socket in ${shellQuote(unitDirectory)}/*.socket; do
  octoi_name=\${octoi_socket##*/}
  octoi_name=\${octoi_name%.socket}
  if [ ! -f "$octoi_socket" ]; then
    continue
  elif [ -f "\${octoi_socket%/*}/$octoi_name@.service" ]; then
    octoi_service=$(octoi_hex "$octoi_name")
    octoi_marker service "$octoi_service" template
    octoi_unit "$(octoi_hex "$octoi_name.socket")" "$octoi_name.socket"
    octoi_exposure "$octoi_service" "\${octoi_socket%/*}/$octoi_name@.service" "$octoi_name@0.service"
  elif [ -f "\${octoi_socket%/*}/$octoi_name.service" ]; then
    octoi_service=$(octoi_hex "$octoi_name")
    octoi_marker service "$octoi_service" plain
    octoi_unit "$(octoi_hex "$octoi_name.socket")" "$octoi_name.socket" "$octoi_name.service"
    octoi_exposure "$octoi_service" "\${octoi_socket%/*}/$octoi_name.service" "$octoi_name.service"
  fi
done
octoi_listeners
octoi_marker end
`;
}

export interface DiscoveredService {
  /** `NAME` of `NAME.socket`. */
  name: string;
  /** A `NAME@.service` template is beside the socket; else a plain `NAME.service`. */
  accept: boolean;
}

export interface Discovery {
  /** In the order the host listed them. */
  services: DiscoveredService[];
  /** The sockets' units and the host's listeners. */
  facts: HostFacts;
}

export function parseDiscovery(text: string): Discovery {
  const facts = parseProbe(text);
  const services = splitLines(text)
    .map(parseMarker)
    .filter((marker) => marker?.kind === 'service')
    .map((marker) => ({ name: decodeHex(marker?.args[0] ?? ''), accept: marker?.args[1] !== 'plain' }));
  return { services, facts };
}
