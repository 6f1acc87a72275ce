import { posix } from 'node:path';
import { shellCommand, shellQuote } from '../shell.js';
import type { DesiredService } from '../units/types.js';
import { MARKER } from './probe-format.js';
import { UNIT_PROPERTIES } from './systemctl-show.js';

export const TEMP_SUFFIX = '.octoi-tmp';

/**
 * Shell functions shared by the probe and the apply script. Each prints its own section;
 * none stops the script when a file or unit is missing (no `set -e`). A section's name comes
 * hex-encoded from the controller as first argument: encoding it on the host would cost two
 * processes per section, the bulk of the probe's work.
 */
export const PROBE_FUNCTIONS = `LC_ALL=C
export LC_ALL
octoi_marker() { printf '%s %s\\n' ${shellQuote(MARKER)} "$*"; }
octoi_hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \\n'; }
# Sets octoi_kind to what is at PATH: present (a regular file, maybe through links), other or missing.
octoi_kind_of() {
  if [ -f "$1" ]; then
    octoi_kind=present
  elif [ -e "$1" ] || [ -L "$1" ]; then
    octoi_kind=other
  else
    octoi_kind=missing
  fi
}
# Arguments: a line of sha256sum output and the stat line of the same file.
octoi_present() { printf 'present %s %s\\n' "\${1%% *}" "$2"; }
octoi_file() {
  octoi_marker file "$1"
  octoi_kind_of "$2"
  if [ "$octoi_kind" != present ]; then
    echo "$octoi_kind"
  elif octoi_sum=$(sha256sum < "$2") && octoi_stat=$(stat -L -c '%a %U %G' -- "$2"); then
    octoi_present "$octoi_sum" "$octoi_stat"
  else
    echo unreadable
  fi
}
# The file sections of HEX PATH pairs, as octoi_file prints them. The probe runs on every host at
# every run and starting a process is most of its cost, so one sha256sum and one stat read all
# regular files, each printing a line per file in argument order. If either fails (a file cannot
# be read or just vanished), octoi_file reads each one alone, which reports it as before.
octoi_files() {
  # HEX:KIND words, safe to split on spaces as HEX is hex; the paths of the regular files replace the pairs.
  octoi_sections=
  octoi_left=$(($# / 2))
  while [ "$octoi_left" -gt 0 ]; do
    octoi_kind_of "$2"
    octoi_sections="$octoi_sections $1:$octoi_kind"
    if [ "$octoi_kind" = present ]; then set -- "$@" "$2"; fi
    shift 2
    octoi_left=$((octoi_left - 1))
  done
  octoi_batched=
  if [ $# -gt 0 ] && octoi_sums=$(sha256sum -- "$@" 2>/dev/null) && octoi_stats=$(stat -L -c '%a %U %G' -- "$@" 2>/dev/null); then
    octoi_batched=1
  fi
  octoi_nl='
'
  for octoi_section in $octoi_sections; do
    octoi_name=\${octoi_section%:*}
    octoi_kind=\${octoi_section#*:}
    if [ "$octoi_kind" != present ]; then
      octoi_marker file "$octoi_name"
      echo "$octoi_kind"
      continue
    fi
    if [ -n "$octoi_batched" ]; then
      octoi_marker file "$octoi_name"
      octoi_sum=\${octoi_sums%%"$octoi_nl"*}
      # sha256sum starts the line with a backslash when it had to escape the name of the file.
      octoi_present "\${octoi_sum#\\\\}" "\${octoi_stats%%"$octoi_nl"*}"
      octoi_sums=\${octoi_sums#*"$octoi_nl"}
      octoi_stats=\${octoi_stats#*"$octoi_nl"}
    else
      octoi_file "$octoi_name" "$1"
    fi
    shift
  done
}
octoi_content() {
  if [ -f "$2" ]; then
    octoi_marker content "$1"
    base64 < "$2"
  fi
}
octoi_dir() {
  if [ ! -d "$2" ]; then octoi_marker dir "$1" no; return 0; fi
  octoi_marker dir "$1" yes
  for octoi_temp in "$2"/.*${TEMP_SUFFIX}; do
    if [ -e "$octoi_temp" ] || [ -L "$octoi_temp" ]; then octoi_marker temp "$(octoi_hex "$octoi_temp")"; fi
  done
}
octoi_unit() {
  octoi_marker unit "$1"
  shift
  systemctl show -p ${UNIT_PROPERTIES.join(',')} -- "$@"
}
octoi_listeners() {
  if command -v ss >/dev/null 2>&1; then
    octoi_marker listeners ss
    ss -H -tlnp
  else
    octoi_marker listeners netstat
    netstat -tlnp
  fi
}
`;

/** `NAME@*.service`: the pattern matching a template's instances. */
export function instancePattern(template: string): string {
  return template.replace(/@\.service$/, '@*.service');
}

/** The directories the probe looks at: each file's parent and the services' own directories. */
export function probedDirectories(services: readonly DesiredService[]): string[] {
  const dirs = services.flatMap((s) => [...s.files.map((f) => posix.dirname(f.path)), ...s.ownedDirectories]);
  return [...new Set(dirs)].sort();
}

export interface ProbeOptions {
  /** Also read the current text of every managed file, for diffs. */
  contents?: boolean;
}

/** A call of one of the probe functions above: the section's name, hex-encoded, then its arguments. */
export function sectionCommand(fn: string, name: string, args: readonly string[] = [name]): string {
  return shellCommand([fn, hexName(name), ...args]);
}

/** One call that prints the file section of every path, in the order given. */
export function fileSectionsCommand(paths: readonly string[]): string {
  return shellCommand(['octoi_files', ...paths.flatMap((path) => [hexName(path), path])]);
}

function hexName(name: string): string {
  return Buffer.from(name, 'utf8').toString('hex');
}

/** The probe's commands, without the function definitions (the apply script reuses them). */
export function probeCommands(services: readonly DesiredService[], options: ProbeOptions = {}): string {
  const files = [...new Set(services.flatMap((s) => s.files.map((f) => f.path)))].sort();
  const lines = [
    'octoi_marker probe 1',
    fileSectionsCommand(files),
    ...(options.contents ? files.map((path) => sectionCommand('octoi_content', path)) : []),
    ...probedDirectories(services).map((dir) => sectionCommand('octoi_dir', dir)),
    // `systemctl show` refuses a template name (NAME@.service): its loaded instances are asked for
    // by pattern, in the same call as the socket, as each systemctl costs a process and a D-Bus call.
    ...services.map((s) => sectionCommand('octoi_unit', s.socketUnit, [s.socketUnit, instancePattern(s.serviceTemplate)])),
    'octoi_listeners',
    'octoi_marker end',
  ];
  return `${lines.join('\n')}\n`;
}

/** One POSIX `sh` script that reads every fact the planner needs; parse its output with `parseProbe`. */
export function probeScript(services: readonly DesiredService[], options: ProbeOptions = {}): string {
  return `${PROBE_FUNCTIONS}${probeCommands(services, options)}`;
}
