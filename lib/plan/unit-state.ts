import { unknownUnit } from '../facts/systemctl-show.js';
import type { HostFacts, UnitFact } from '../facts/types.js';

/** A unit the probe did not report is one systemd does not know. */
export function unitFact(facts: HostFacts, id: string): UnitFact {
  return facts.units[id] ?? unknownUnit(id);
}

export function isEnabled(unit: UnitFact): boolean {
  return ['enabled', 'enabled-runtime', 'linked', 'linked-runtime'].includes(unit.unitFileState);
}

/** Active, or on its way in or out: anything `disable --now` still has to stop. */
export function isRunning(unit: UnitFact): boolean {
  return !['inactive', 'failed'].includes(unit.activeState);
}
