import { OctoiError } from '../diagnostics.js';
import type { DirectoryFact, FileFact, HostFacts, Listener, UnitFact } from './types.js';
import { parseExposure } from './exposure.js';
import { unsupportedHost } from './host-support.js';
import { parseNetstat } from './netstat.js';
import { decodeHex, parseMarker, splitLines } from './probe-format.js';
import { parseSs } from './ss.js';
import { parseSystemctlShow } from './systemctl-show.js';

const RUNNING = new Set(['active', 'activating', 'deactivating', 'reloading', 'refreshing']);

interface Section {
  kind: string;
  args: string[];
  body: string[];
}

/** Sections whose first argument is a path or name, hex-encoded. */
const NAMED_SECTIONS = new Set(['file', 'content', 'dir', 'temp', 'unit-file', 'dropin', 'program', 'exposure']);

/**
 * Parse the output of `probeScript`. A socket's section also holds its template's loaded
 * instances: running ones go to `runningInstances`, failed ones to `units` so the planner can
 * reset them. Whatever made the facts untrustworthy (a missing tool, systemctl failing) is listed
 * in `unreadable`, and why the host cannot be managed at all in `unsupported`, for the caller to
 * refuse to plan from.
 */
export function parseProbe(text: string): HostFacts {
  const sections = splitSections(splitLines(text));
  const kinds = sections.map((s) => s.kind);
  if (kinds[0] !== 'probe' || kinds[kinds.length - 1] !== 'end') {
    throw OctoiError.single('internal', {
      message: 'the fact probe output is incomplete (no start or end marker)',
      hint: 'the connection may have dropped or the remote shell failed; run again',
    });
  }
  const facts: HostFacts = {
    files: {},
    units: {},
    listeners: [],
    listenerSource: 'ss',
    leftoverTempFiles: [],
    directories: {},
    owned: { files: [], directories: [], groups: [] },
    groups: [],
    pendingRestarts: [],
    foreignUnitFiles: {},
    dropIns: {},
    unsupported: [],
    unreadable: [],
    runningInstances: {},
  };
  for (const section of sections) readSection(facts, section);
  facts.leftoverTempFiles.sort();
  for (const instances of Object.values(facts.runningInstances)) instances.sort();
  return facts;
}

function readPending(facts: HostFacts, body: readonly string[]): void {
  for (const line of body) {
    const [what, value, epoch] = line.split(' ');
    if (what === 'restart' && value) facts.pendingRestarts.push(decodeHex(value));
    else if (what === 'armed' && value) (facts.armedChanges ??= []).push(value);
    else if (what === 'rolled-back' && value && epoch) (facts.switchRollbacks ??= []).push({ runToken: value, at: new Date(Number(epoch) * 1000), line });
  }
}

function readSection(facts: HostFacts, { kind, args, body }: Section): void {
  const name = NAMED_SECTIONS.has(kind) ? decodeHex(args[0] ?? '') : '';
  switch (kind) {
    case 'init':
      facts.unsupported = unsupportedHost(body);
      break;
    case 'missing-tool':
      facts.unreadable.push(`${args[0]} is not installed`);
      break;
    case 'owned':
      readOwned(facts, body);
      break;
    case 'pending':
      readPending(facts, body);
      break;
    case 'file':
      facts.files[name] = parseFileLine(name, body[0] ?? '');
      break;
    case 'content':
      (facts.fileContents ??= {})[name] = Buffer.from(body.join(''), 'base64').toString('utf8');
      break;
    case 'dir':
      facts.directories[name] = parseDirectory(name, args.slice(1));
      break;
    case 'temp':
      facts.leftoverTempFiles.push(name);
      break;
    case 'unit':
      for (const unit of Object.values(parseSystemctlShow(body.join('\n')))) readUnit(facts, unit);
      break;
    case 'unit-status':
      if (args[0] !== '0') facts.unreadable.push(`systemctl show failed (exit code ${args[0]}): is systemd running and its manager reachable?`);
      break;
    case 'unit-file':
      (facts.foreignUnitFiles[name] ??= []).push(decodeHex(args[1] ?? ''));
      break;
    case 'dropin':
      (facts.dropIns[name] ??= []).push(decodeHex(args[1] ?? ''));
      break;
    case 'program':
      (facts.programs ??= {})[name] = args[1] === 'yes' || args[1] === 'not-executable' ? args[1] : 'missing';
      break;
    case 'exposure': {
      const exposure = parseExposure(body.join('\n'));
      if (exposure) (facts.exposure ??= {})[name] = exposure;
      break;
    }
    case 'group':
      if (args[1] === 'yes' && args[0]) facts.groups.push(args[0]);
      break;
    case 'listeners':
      readListeners(facts, args[0], body.join('\n'));
      break;
  }
}

function readOwned(facts: HostFacts, lines: string[]): void {
  for (const line of lines) {
    const [what, hex] = line.split(' ');
    if (!hex) continue;
    if (what === 'file') facts.owned.files.push(decodeHex(hex));
    else if (what === 'dir') facts.owned.directories.push(decodeHex(hex));
    else if (what === 'group') facts.owned.groups.push(decodeHex(hex));
  }
}

function readListeners(facts: HostFacts, source: string | undefined, text: string): void {
  if (source === 'none') {
    facts.listenerSource = 'none';
    facts.unreadable.push('neither ss (iproute2) nor netstat (net-tools) is installed');
    return;
  }
  facts.listenerSource = source === 'netstat' ? 'netstat' : 'ss';
  facts.listeners = parseListeners(facts.listenerSource, text);
}

function parseListeners(source: 'ss' | 'netstat', text: string): Listener[] {
  return source === 'ss' ? parseSs(text) : parseNetstat(text);
}

function splitSections(lines: string[]): Section[] {
  const sections: Section[] = [];
  for (const line of lines) {
    const marker = parseMarker(line);
    if (marker) sections.push({ ...marker, body: [] });
    else sections[sections.length - 1]?.body.push(line);
  }
  return sections;
}

function parseFileLine(path: string, line: string): FileFact {
  const [state, sha256, mode, owner, group] = line.trim().split(/\s+/);
  if (state === 'missing') return { path, exists: false };
  if (state === 'present' && sha256 && mode && owner && group) {
    return { path, exists: true, sha256, mode: parseInt(mode, 8), owner, group };
  }
  if (state === 'link' || state === 'other') return { path, exists: true, kind: state };
  // A regular file that could not be read: it exists, content unknown.
  return { path, exists: true };
}

function parseDirectory(path: string, [kind, uid, mode, entries]: string[]): DirectoryFact {
  if (kind === 'link' || kind === 'other') return { path, kind };
  if (kind !== 'yes') return { path, kind: 'missing' };
  const fact: DirectoryFact = { path, kind: 'directory' };
  if (uid !== undefined && /^\d+$/.test(uid) && mode !== undefined && /^[0-7]+$/.test(mode)) {
    fact.uid = Number(uid);
    fact.mode = parseInt(mode, 8);
  }
  if (entries !== undefined && /^\d+$/.test(entries)) fact.entries = Number(entries);
  return fact;
}

function readUnit(facts: HostFacts, unit: UnitFact): void {
  const template = templateOf(unit.id);
  if (template === null) facts.units[unit.id] = unit;
  else if (RUNNING.has(unit.activeState)) (facts.runningInstances[template] ??= []).push(unit.id);
  else if (unit.activeState === 'failed') facts.units[unit.id] = unit;
}

/** `NAME@.service` for an instance `NAME@INSTANCE.service`, else null. */
function templateOf(id: string): string | null {
  const instance = /^([^@]+)@.+\.service$/.exec(id);
  return instance ? `${instance[1]}@.service` : null;
}
