import { UNIT_DIRECTORY } from '../units/names.js';
import { HOST_LAYOUT } from '../host-layout.js';
import { shellAssignments, shellFile } from '../shell.js';
import { parseProbe } from './parse-probe.js';
import { PROBE_FUNCTIONS } from './probe.js';
import { decodeHex, parseMarker, splitLines } from './probe-format.js';
import type { HostFacts } from './types.js';

const DISCOVERY = shellFile(import.meta.url, 'discover.sh');

/**
 * One POSIX `sh` script that finds the services octoi-style units make up on a host and reads
 * their state (discover.sh says how). Parse its output with `parseDiscovery`.
 */
export function discoveryScript(unitDirectory: string = UNIT_DIRECTORY): string {
  return `${PROBE_FUNCTIONS}${shellAssignments({ octoi_init_name: HOST_LAYOUT.initName, octoi_systemd_libraries: HOST_LAYOUT.systemdLibraryDirectories.join(' '), octoi_unit_directory: unitDirectory })}${DISCOVERY}`;
}

export interface DiscoveredService {
  /** `NAME` of `NAME.socket`. */
  name: string;
  /** A `NAME@.service` template is beside the socket; else a plain `NAME.service`. */
  accept: boolean;
}

interface Discovery {
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
