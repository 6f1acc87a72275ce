import type { Diagnostic } from '../diagnostics.js';

/**
 * An INI file read with the rules of Python's `configparser.ConfigParser(inline_comment_prefixes=(';',))`,
 * which is how Ansible reads ansible.cfg. Written here rather than taken from an INI package because
 * Ansible's meaning depends on configparser's exact rules: `=` or `:` (the first one) separates a key
 * from its value, keys are lower-cased, `#` and `;` start a comment line, `;` after a space starts an
 * inline comment (`#` does not), lines indented deeper than their key continue its value, `[DEFAULT]`
 * values show through in every section, and a repeated section or key is an error.
 */
interface IniEntry {
  value: string;
  line: number;
}

export interface IniConfig {
  file: string;
  /** Section name (case kept) → lower-cased key → entry. */
  sections: Map<string, Map<string, IniEntry>>;
  defaults: Map<string, IniEntry>;
}

const DEFAULT_SECTION = 'DEFAULT';

export function parseIniConfig(file: string, text: string): { config: IniConfig; diagnostics: Diagnostic[] } {
  const config: IniConfig = { file, sections: new Map(), defaults: new Map() };
  const diagnostics: Diagnostic[] = [];
  const error = (line: number, message: string, hint: string): void => {
    diagnostics.push({ severity: 'error', message, hint, position: { file, line, column: 1 } });
  };
  const seen = new Set<string>();
  let section: Map<string, IniEntry> | null = null;
  let sectionName = '';
  let current: { entry: IniEntry; lines: string[] } | null = null;
  let indentLevel = 0;
  const close = (): void => {
    if (current) current.entry.value = current.lines.join('\n').trimEnd();
    current = null;
  };
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const lineNumber = index + 1;
    if (index === lines.length - 1 && raw === '') break;
    const commentStart = commentStartOf(raw);
    const value = raw.slice(0, commentStart ?? raw.length).trim();
    if (value === '') {
      if (commentStart === null && current) current.lines.push('');
      continue;
    }
    const indent = raw.search(/\S/);
    if (current && indent > indentLevel) {
      current.lines.push(value);
      continue;
    }
    indentLevel = indent;
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      close();
      sectionName = header[1] as string;
      if (sectionName === DEFAULT_SECTION) {
        section = config.defaults;
      } else {
        if (seen.has(sectionName)) error(lineNumber, `section [${sectionName}] appears twice`, 'merge the two sections into one');
        seen.add(sectionName);
        section = config.sections.get(sectionName) ?? new Map();
        config.sections.set(sectionName, section);
      }
      continue;
    }
    if (!section) {
      error(lineNumber, 'a setting before the first [section] header', 'start the file with a section such as [defaults]');
      return { config, diagnostics };
    }
    const option = /^(.*?)\s*[=:]\s*(.*)$/.exec(value);
    if (!option || option[1] === '') {
      close();
      error(lineNumber, `cannot read "${value}": a setting is "key = value"`, 'write key = value (or key: value); a ; after a space starts a comment');
      continue;
    }
    close();
    const key = (option[1] as string).trimEnd().toLowerCase();
    const id = `${sectionName}\0${key}`;
    if (seen.has(id)) error(lineNumber, `${key} is set twice in [${sectionName}]`, 'keep one of the two lines');
    seen.add(id);
    const entry: IniEntry = { value: '', line: lineNumber };
    section.set(key, entry);
    current = { entry, lines: [(option[2] as string).trim()] };
  }
  close();
  return { config, diagnostics };
}

/** Where a comment starts on the line: a whole-line `#`/`;`, or an inline `;` at the start or after whitespace. */
function commentStartOf(line: string): number | null {
  const trimmed = line.trim();
  if (trimmed.startsWith('#') || trimmed.startsWith(';')) return 0;
  for (let index = line.indexOf(';'); index >= 0; index = line.indexOf(';', index + 1)) {
    if (index === 0 || /\s/.test(line[index - 1] as string)) return index;
  }
  return null;
}

/** configparser's `get(section, key)`: the section's own value, else `[DEFAULT]`'s; nothing without the section. */
export function iniValue(config: IniConfig, section: string, key: string): IniEntry | undefined {
  if (section === DEFAULT_SECTION) return config.defaults.get(key);
  const found = config.sections.get(section);
  return found === undefined ? undefined : found.get(key) ?? config.defaults.get(key);
}
