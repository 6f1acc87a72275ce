import { splitLines } from './probe-format.js';

export interface ListedUnit {
  unit: string;
  load: string;
  active: string;
  sub: string;
}

/**
 * Parse `systemctl list-units --plain --no-legend` lines: UNIT LOAD ACTIVE SUB DESCRIPTION.
 * Some systemd versions still put a status bullet (`●`, or `*` without UTF-8) before failed units.
 */
export function parseListUnits(text: string): ListedUnit[] {
  const units: ListedUnit[] = [];
  for (const line of splitLines(text)) {
    const words = line.trim().split(/\s+/);
    if (words[0] === '●' || words[0] === '*') words.shift();
    const [unit, load, active, sub] = words;
    if (unit && load && active && sub) units.push({ unit, load, active, sub });
  }
  return units;
}
