import { OctoiError } from '../diagnostics.js';
import type { FileFact, HostFacts, Listener, UnitFact } from './types.js';
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

/**
 * Parse the output of `probeScript`. A socket's section also holds its template's loaded
 * instances: running ones go to `runningInstances`, failed ones to `units` so the planner can
 * reset them.
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
    existingDirectories: [],
    runningInstances: {},
  };
  for (const section of sections) readSection(facts, section);
  facts.leftoverTempFiles.sort();
  for (const instances of Object.values(facts.runningInstances)) instances.sort();
  facts.existingDirectories.sort();
  return facts;
}

function readSection(facts: HostFacts, { kind, args, body }: Section): void {
  // Sections about a file or directory carry its path, hex-encoded, as first argument; the units
  // of a `unit` section name themselves (`Id=`).
  const name = ['file', 'content', 'dir', 'temp'].includes(kind) ? decodeHex(args[0] ?? '') : '';
  switch (kind) {
    case 'file':
      facts.files[name] = parseFileLine(name, body[0] ?? '');
      break;
    case 'content':
      (facts.fileContents ??= {})[name] = Buffer.from(body.join(''), 'base64').toString('utf8');
      break;
    case 'dir':
      if (args[1] === 'yes') facts.existingDirectories.push(name);
      break;
    case 'temp':
      facts.leftoverTempFiles.push(name);
      break;
    case 'unit':
      for (const unit of Object.values(parseSystemctlShow(body.join('\n')))) readUnit(facts, unit);
      break;
    case 'listeners':
      facts.listenerSource = args[0] === 'netstat' ? 'netstat' : 'ss';
      facts.listeners = parseListeners(facts.listenerSource, body.join('\n'));
      break;
  }
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
  // A directory, socket or unreadable file sits where octoi's file belongs: it exists, content unknown.
  return { path, exists: true };
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
