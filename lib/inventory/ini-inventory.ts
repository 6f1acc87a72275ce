import type { Diagnostic, SourcePosition } from '../diagnostics.js';
import { expandHostEntry, HostRangeError } from './host-range.js';
import { InventoryRuleError, type InventoryData } from './inventory-data.js';
import { parsePythonLiteral } from './python-literal.js';
import { shlexSplit, ShlexError } from '../source/shlex.js';

/**
 * The INI inventory format, read as Ansible's `ini` plugin reads it: lines before any section are
 * `ungrouped` hosts; `[g]` lists hosts with `key=value` variables, `[g:children]` child groups and
 * `[g:vars]` variables; values are typed like Python literals; `#` and `;` start comment lines.
 * A group named in `[g:children]` or `[g:vars]` must be declared somewhere in the file.
 */
type SectionKind = 'hosts' | 'children' | 'vars';

interface Pending {
  line: number;
  kind: 'children' | 'vars';
  parents: string[];
}

const sectionHeader = /^\[([^:\]\s]+)(?::([\p{L}\p{N}_]+))?\]\s*(?:#.*)?$/u;
const childGroupLine = /^([^:\]\s]+)\s*(?:#.*)?$/u;
// Python's str.splitlines() boundaries.
const lineBreak = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

class LineError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export function readIniInventory(file: string, text: string, data: InventoryData, diagnostics: Diagnostic[]): void {
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let kind: SectionKind = 'hosts';
  text.split(lineBreak).forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    try {
      const header = sectionHeader.exec(line);
      if (header) {
        const [, name, tag] = header as unknown as [string, string, string | undefined];
        if (tag !== undefined && tag !== 'hosts' && tag !== 'children' && tag !== 'vars') {
          throw new LineError(`section [${name}:${tag}] has unknown type: ${tag}`, 'a section is [GROUP], [GROUP:children] or [GROUP:vars]');
        }
        group = name;
        kind = tag ?? 'hosts';
        declareGroup(data, pending, group, kind, lineNumber);
      } else if (line.startsWith('[') && line.endsWith(']')) {
        throw new LineError(`invalid section entry: '${line}'`, 'a section header has no spaces: [GROUP], [GROUP:children] or [GROUP:vars]');
      } else if (kind === 'hosts') {
        readHostLine(data, group, line);
      } else if (kind === 'vars') {
        const equals = line.indexOf('=');
        if (equals < 0) throw new LineError(`expected key=value, got: ${line}`, `each line under [${group}:vars] sets one variable: name=value`);
        data.setGroupVariable(group, line.slice(0, equals).trim(), iniValue(line.slice(equals + 1).trim()));
      } else {
        const child = childGroupLine.exec(line)?.[1];
        if (child === undefined) throw new LineError(`expected group name, got: ${line}`, `each line under [${group}:children] names one group`);
        if (data.groups.has(child)) data.addChild(group, child);
        else {
          const entry = pending.get(child) ?? { line: lineNumber, kind: 'children' as const, parents: [] };
          entry.parents.push(group);
          pending.set(child, entry);
        }
      }
    } catch (error) {
      diagnostics.push(lineDiagnostic(error, { file, line: lineNumber, column: rawLine.length - rawLine.trimStart().length + 1 }));
    }
  });
  for (const [name, entry] of pending) {
    diagnostics.push({
      severity: 'error',
      message:
        entry.kind === 'vars'
          ? `section [${name}:vars] is not valid for an undefined group: ${name}`
          : `section [${entry.parents.at(-1)}:children] includes an undefined group: ${name}`,
      hint: `declare the group with a [${name}] or [${name}:children] section`,
      position: { file, line: entry.line, column: 1 },
    });
  }
}

/** `[group]` or `[group:children]` declares a group; `[group:vars]` alone waits for a declaration. */
function declareGroup(data: InventoryData, pending: Map<string, Pending>, group: string, kind: SectionKind, line: number): void {
  if (!data.groups.has(group)) {
    if (kind === 'vars' && !pending.has(group)) pending.set(group, { line, kind: 'vars', parents: [] });
    data.addGroup(group);
  }
  const waiting = pending.get(group);
  if (!waiting || kind === 'vars') return;
  if (waiting.kind === 'children') addPendingChildren(data, pending, group);
  else pending.delete(group);
}

function addPendingChildren(data: InventoryData, pending: Map<string, Pending>, group: string): void {
  for (const parent of pending.get(group)?.parents ?? []) {
    data.addChild(parent, group);
    if (pending.get(parent)?.kind === 'children') addPendingChildren(data, pending, parent);
  }
  pending.delete(group);
}

function readHostLine(data: InventoryData, group: string, line: string): void {
  let words: string[];
  try {
    words = shlexSplit(line, { comments: true });
  } catch (error) {
    if (!(error instanceof ShlexError)) throw error;
    throw new LineError(`cannot parse the host definition '${line}': ${error.message}`, 'close the quote or escape the character');
  }
  const [entry = '', ...assignments] = words;
  const { hostnames, port } = expandHostEntry(entry);
  if (entry.trim().endsWith(':') && port === null) {
    throw new LineError(`invalid host pattern '${entry}': it ends in ':', which is reserved for a port`, 'write HOST:PORT with a number, or remove the colon');
  }
  if (hostnames.some((name) => name.trim() === '---')) {
    throw new LineError(`invalid host pattern '${entry}': '---' is a sign this is a YAML file`, 'name the file with a .yml extension');
  }
  const vars: [string, unknown][] = assignments.map((assignment) => {
    const equals = assignment.indexOf('=');
    if (equals < 0) throw new LineError(`expected a key=value host variable assignment, got: ${assignment}`, 'host variables are written name=value after the host name');
    return [assignment.slice(0, equals), iniValue(assignment.slice(equals + 1))];
  });
  for (const host of hostnames) {
    data.addHost(host, group, port);
    for (const [key, value] of vars) data.setHostVariable(host, key, value);
  }
}

/** A Python literal (`42`, `True`, `'text'`, `[1, 2]`) becomes its value; any other text stays text. */
function iniValue(text: string): unknown {
  const literal = parsePythonLiteral(text);
  return literal.ok ? literal.value : text;
}

/** `position` is where the line's text starts. */
function lineDiagnostic(error: unknown, position: SourcePosition): Diagnostic {
  if (error instanceof LineError || error instanceof InventoryRuleError) {
    return { severity: 'error', message: error.message, hint: error.hint ?? 'fix this line of the inventory', position };
  }
  if (error instanceof HostRangeError) {
    return { severity: 'error', message: error.message, hint: 'write ranges as [01:20], [a:f] or [1:10:2]', position };
  }
  throw error;
}
