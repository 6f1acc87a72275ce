import type { UnitFact } from './types.js';
import { splitLines } from './probe-format.js';

/** The properties octoi asks `systemctl show -p` for. */
export const UNIT_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'UnitFileState',
  'NeedDaemonReload',
  'Listen',
  'NAccepted',
  'NConnections',
  'NRefused',
  'MainPID',
  'FragmentPath',
  'DropInPaths',
] as const;

/** What systemd reports for a unit it knows nothing about. */
export function unknownUnit(id: string): UnitFact {
  return {
    id,
    loadState: 'not-found',
    activeState: 'inactive',
    subState: 'dead',
    unitFileState: '',
    needDaemonReload: false,
    listen: [],
    nAccepted: 0,
    nConnections: 0,
    nRefused: 0,
  };
}

/**
 * Parse `systemctl show` output: one block of `Key=Value` lines per unit, blocks separated
 * by blank lines, properties in systemd's order (not the order asked). Blocks without `Id=`
 * cannot be attributed and are skipped.
 */
export function parseSystemctlShow(text: string): Record<string, UnitFact> {
  const units: Record<string, UnitFact> = {};
  for (const block of blocks(splitLines(text))) {
    const id = block.find(([key]) => key === 'Id')?.[1];
    if (!id) continue;
    const unit = unknownUnit(id);
    for (const [key, value] of block) applyProperty(unit, key, value);
    units[id] = unit;
  }
  return units;
}

function blocks(lines: string[]): [string, string][][] {
  const result: [string, string][][] = [[]];
  for (const line of lines) {
    if (line.trim() === '') {
      result.push([]);
      continue;
    }
    const equals = line.indexOf('=');
    if (equals > 0) result[result.length - 1]?.push([line.slice(0, equals), line.slice(equals + 1)]);
  }
  return result.filter((block) => block.length > 0);
}

function applyProperty(unit: UnitFact, key: string, value: string): void {
  switch (key) {
    case 'LoadState':
      unit.loadState = value;
      break;
    case 'ActiveState':
      unit.activeState = value;
      break;
    case 'SubState':
      unit.subState = value;
      break;
    case 'UnitFileState':
      unit.unitFileState = value;
      break;
    case 'NeedDaemonReload':
      unit.needDaemonReload = value === 'yes';
      break;
    case 'Listen':
      if (value !== '') unit.listen.push(value);
      break;
    case 'NAccepted':
      unit.nAccepted = toCount(value);
      break;
    case 'NConnections':
      unit.nConnections = toCount(value);
      break;
    case 'NRefused':
      unit.nRefused = toCount(value);
      break;
    case 'MainPID':
      if (toCount(value) > 0) unit.mainPid = toCount(value);
      break;
    case 'FragmentPath':
      if (value !== '') unit.fragmentPath = value;
      break;
    case 'DropInPaths':
      if (value !== '') unit.dropInPaths = value.split(' ').filter(Boolean);
      break;
  }
}

function toCount(value: string): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}
