/**
 * Writing values into systemd unit files (systemd.syntax(7)) so that each one stays one
 * directive: the rules here decide both what validation accepts and what rendering writes.
 */

/** C0 and C1 control characters, DEL included: systemd ends a line at \n, \r and NUL. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

const CONTROL_NAMES: Record<string, string> = {
  '\n': 'a newline',
  '\r': 'a carriage return',
  '\t': 'a tab',
  '\0': 'a NUL byte',
};

const DIRECTIVE_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** Words in an unquoted ExecStart= path that systemd reads back unchanged. */
const PLAIN_EXEC_PATH = /^[A-Za-z0-9._+@:/-]+$/;

/** Names the first control character of `value`, or null when there is none. */
export function controlCharacterIn(value: string): string | null {
  const found = CONTROL_CHARACTER.exec(value)?.[0];
  if (found === undefined) return null;
  const code = found.codePointAt(0) ?? 0;
  return CONTROL_NAMES[found] ?? `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `value` cannot be written after `Key=` on one line, or null when it can. */
export function unitValueProblem(value: string): string | null {
  const control = controlCharacterIn(value);
  if (control) return `contains ${control}, which would start a new line in the unit file`;
  // An odd run of trailing backslashes makes systemd join the next line to this one.
  if (/(^|[^\\])(\\\\)*\\$/.test(value)) return 'ends with a backslash, which would join the next line of the unit file';
  return null;
}

/** `%` starts a specifier in most values; octoi's values are literal text. */
export function escapeSpecifiers(value: string): string {
  return value.replaceAll('%', '%%');
}

/** The text after `Key=`: literal `value`, or an error when it could change the unit's structure. */
export function unitValue(value: string): string {
  const problem = unitValueProblem(value);
  if (problem) throw new Error(`cannot write ${JSON.stringify(value)} into a unit file: it ${problem}`);
  return escapeSpecifiers(value);
}

/** Why `path` cannot be the program of `ExecStart=`, or null when it can. */
export function programPathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'is not an absolute path';
  // systemd expands neither specifiers nor variables in the program, so it must be written plain.
  if (!PLAIN_EXEC_PATH.test(path)) return 'has characters other than letters, digits and . _ + @ : - /';
  return null;
}

/**
 * The command line of `ExecStart=` (systemd.service(5), "Command lines") that runs exactly `argv`,
 * before specifier escaping: every argument but a plain word is double-quoted with `\` and `"`
 * C-escaped, and `$` is doubled so that no variable is substituted. A quoted `";"` is an argument,
 * not a separator. The program (`argv[0]`) must pass `programPathProblem`.
 */
export function execCommandLine(argv: readonly string[]): string {
  return argv.map((word) => (PLAIN_EXEC_PATH.test(word) ? word : doubleQuoted(word).replaceAll('$', '$$$$'))).join(' ');
}

/**
 * One `Environment=` assignment (systemd.exec(5)) before specifier escaping: double-quoted with
 * `\` and `"` C-escaped; `$` has no meaning there.
 */
export function environmentAssignment(name: string, value: string): string {
  return doubleQuoted(`${name}=${value}`);
}

/**
 * One line of an `EnvironmentFile=`: systemd reads a double-quoted value with `\`, `"`, `` ` ``
 * and `$` backslash-escaped, and expands nothing in it (no specifiers, no variables).
 */
export function environmentFileLine(name: string, value: string): string {
  return `${name}="${value.replace(/[\\"`$]/g, (c) => `\\${c}`)}"\n`;
}

function doubleQuoted(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

interface UnitSection {
  name: string;
  directives: readonly { key: string; value: string }[];
}

/** Sections separated by blank lines, one `Key=value` per line (values escaped here), a trailing newline. */
export function renderUnit(sections: readonly UnitSection[]): string {
  return sections
    .map((section) => {
      const lines = section.directives.map(({ key, value }) => {
        if (!DIRECTIVE_NAME.test(key)) throw new Error(`${JSON.stringify(key)} is not a systemd directive name`);
        return `${key}=${unitValue(value)}`;
      });
      return [`[${section.name}]`, ...lines].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}
