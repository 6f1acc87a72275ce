import { posix } from 'node:path';
import { ancestorsAndSelf, HOST_LAYOUT, ownedRecord, pendingRecord, TEMP_MARK, type HostLayout } from '../host-layout.js';
import { shellAssignments, shellCommand, shellFile } from '../shell.js';
import type { DesiredService } from '../units/types.js';
import { MARKER } from './probe-format.js';
import { UNIT_PROPERTIES } from './systemctl-show.js';

/** Commands the probe needs on the host; a missing one is named, never read as "no file" or "no unit". */
const PROBE_TOOLS = ['sha256sum', 'stat', 'systemctl'] as const;

/** The shell functions shared by the probe and the apply script (probe.sh), with their values first. */
export const PROBE_FUNCTIONS = `${shellAssignments({
  octoi_marker_prefix: MARKER,
  octoi_probe_tools: PROBE_TOOLS.join(' '),
  octoi_unit_properties: UNIT_PROPERTIES.join(','),
  octoi_temp_mark: TEMP_MARK,
})}${shellFile(import.meta.url, 'probe.sh')}`;

/** The administrator's unit folder, where octoi writes the service's units. */
export function unitDirectoryOf(service: DesiredService): string {
  const socket = service.files.find((file) => file.role === 'socket');
  if (!socket) throw new Error(`service ${service.name} has no socket unit file`);
  return posix.dirname(socket.path);
}

/**
 * How the probe asks for the plain NAME.service: by name when it is the service's own unit
 * (Accept=no). Otherwise all octoi needs of it is whether it runs or failed, which only a loaded
 * unit can, so a pattern matching that one name lists it only if systemd has it loaded: asked by
 * name, systemd would look for it in every unit folder at every run.
 */
function plainServiceQuery(service: Pick<DesiredService, 'accept' | 'state' | 'mainService'>): string {
  return service.accept || service.state === 'absent' ? service.mainService.replace(/\.service$/, '[.]service') : service.mainService;
}

/** `NAME@*.service`: the pattern matching a template's instances. */
export function instancePattern(template: string): string {
  return template.replace(/@\.service$/, '@*.service');
}

/**
 * The folders the probe looks at: every folder on the way to each managed file (their owners and
 * modes decide whether anyone but root could swap a file octoi installs), deepest last.
 */
function probedDirectories(services: readonly DesiredService[]): string[] {
  const dirs = services.flatMap((s) => s.files.flatMap((f) => ancestorsAndSelf(posix.dirname(f.path))));
  return [...new Set(dirs)].sort();
}

interface ProbeOptions {
  /** Also read the current text of every managed file, for diffs. */
  contents?: boolean;
  /** Also read each present service's exposure score (`octoi plan`, `octoi status`). */
  exposure?: boolean;
  /** The facts read again in the shell that read them first: PID 1 and systemd's version are known. */
  again?: boolean;
  layout?: HostLayout;
}

/** The call that prints the init section: the name of PID 1 and, when it is systemd, its version. */
export function initCommand(layout: HostLayout): string {
  return shellCommand(['octoi_init', layout.initName, ...layout.systemdLibraryDirectories]);
}

/** A call of one of the probe functions: the section's name, hex-encoded, then its arguments. */
export function sectionCommand(fn: string, name: string, args: readonly string[] = [name]): string {
  return shellCommand([fn, hexName(name), ...args]);
}

/** One call that prints the section of every path, in the order given. */
function pairsCommand(fn: string, paths: readonly string[]): string {
  return shellCommand([fn, ...paths.flatMap((path) => [hexName(path), path])]);
}

/** One call that prints the file section of every path, in the order given. */
export function fileSectionsCommand(paths: readonly string[]): string {
  return pairsCommand('octoi_files', paths);
}

export function hexName(name: string): string {
  return Buffer.from(name, 'utf8').toString('hex');
}

/**
 * The unit `systemd-analyze security` scores for a service: its `NAME.service` (Accept=no), or an
 * instance of its template, which systemd loads from the template; no connection's instance is
 * named `0` (theirs are `N-LOCAL-REMOTE`).
 */
function exposureUnit(service: Pick<DesiredService, 'accept' | 'serviceTemplate' | 'mainService'>): string {
  return service.accept ? service.serviceTemplate.replace(/@\.service$/, '@0.service') : service.mainService;
}

function exposureCommands(services: readonly DesiredService[]): string[] {
  return services
    .filter((service) => service.state === 'present')
    .map((service) => {
      const unitFile = posix.join(unitDirectoryOf(service), service.accept ? service.serviceTemplate : service.mainService);
      return sectionCommand('octoi_exposure', service.name, [unitFile, exposureUnit(service)]);
    });
}

/** Secret scripts' groups (and those an absent service may have left): whether each exists. */
function groupsCommand(services: readonly DesiredService[]): string[] {
  const groups = services.filter((s) => s.state === 'absent' || s.files.some((f) => f.group !== undefined)).map((s) => s.secretGroup);
  return groups.length > 0 ? [shellCommand(['octoi_groups', ...groups])] : [];
}

/** The probe's commands, without the function definitions (the apply script reuses them). */
export function probeCommands(services: readonly DesiredService[], options: ProbeOptions = {}): string {
  const layout = options.layout ?? HOST_LAYOUT;
  const files = [...new Set(services.flatMap((s) => [...s.files.map((f) => f.path), ...s.leftovers]))].sort();
  const programs = [...new Set(services.flatMap((s) => (s.program === null ? [] : [s.program])))].sort();
  const lines = [
    'octoi_marker probe 1',
    'octoi_tools',
    ...(options.again ? [] : [initCommand(layout)]),
    shellCommand(['octoi_records', ownedRecord(layout), pendingRecord(layout)]),
    fileSectionsCommand(files),
    ...(options.contents ? files.map((path) => sectionCommand('octoi_content', path)) : []),
    pairsCommand('octoi_dirs', probedDirectories(services)),
    // `systemctl show` refuses a template name (NAME@.service): its loaded instances are asked for
    // by pattern, in the same call as the socket and the plain NAME.service, as each systemctl
    // costs a process and a D-Bus call.
    ...services.map((s) => sectionCommand('octoi_unit', s.socketUnit, [s.socketUnit, plainServiceQuery(s), instancePattern(s.serviceTemplate)])),
    ...programs.map((path) => sectionCommand('octoi_program', path)),
    ...groupsCommand(services),
    ...services.map((s) => {
      const besideOctoi = [`${s.name}.service`, `${s.name}@.service`].map((unit) => hexName(posix.join(unitDirectoryOf(s), unit)));
      return sectionCommand('octoi_foreign', s.name, [unitDirectoryOf(s), s.name, ...besideOctoi, ...layout.systemUnitDirectories]);
    }),
    ...(options.exposure ? exposureCommands(services) : []),
    'octoi_listeners',
    'octoi_marker end',
  ];
  return `${lines.join('\n')}\n`;
}

/** One POSIX `sh` script that reads every fact the planner needs; parse its output with `parseProbe`. */
export function probeScript(services: readonly DesiredService[], options: ProbeOptions = {}): string {
  return `${PROBE_FUNCTIONS}${probeCommands(services, options)}`;
}
