/** One `Key=Value` line of a unit file, with the section it stands in. */
interface UnitDirective {
  section: string;
  key: string;
  value: string;
}

/** Reads the directives of a unit file (systemd.syntax): sections, `Key=Value`, comments skipped. */
export function parseUnitFile(text: string): UnitDirective[] {
  const directives: UnitDirective[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    const equals = line.indexOf('=');
    if (equals > 0) directives.push({ section, key: line.slice(0, equals).trim(), value: line.slice(equals + 1).trim() });
  }
  return directives;
}

/**
 * What changed between two versions of a unit, one phrase per directive that differs, e.g.
 * `ListenStream 13063→13064`. Repeated directives compare as lists.
 */
export function unitDirectiveChanges(before: string, after: string): string[] {
  const group = (text: string): Map<string, string[]> => {
    const values = new Map<string, string[]>();
    for (const { section, key, value } of parseUnitFile(text)) {
      const name = `${section}.${key}`;
      values.set(name, [...(values.get(name) ?? []), value]);
    }
    return values;
  };
  const old = group(before);
  const now = group(after);
  const changes: string[] = [];
  // An empty value (`CapabilityBoundingSet=`, no capabilities at all) is not the directive's absence.
  const shown = (values: string[] | undefined): string => (values === undefined ? '(none)' : values.join(',') || '(empty)');
  for (const name of new Set([...old.keys(), ...now.keys()])) {
    const [was, is] = [shown(old.get(name)), shown(now.get(name))];
    if (was !== is) changes.push(`${name.slice(name.indexOf('.') + 1)} ${was}→${is}`);
  }
  return changes;
}
