/**
 * ssh_config files read and checked once per run: every host and every jump hop resolves
 * against the same parsed lines, and an Include pattern is expanded once.
 */
import { readFileSync, statSync } from 'node:fs';
import type { SourcePosition } from '../diagnostics.js';
import { ConfigSyntaxError, parseConfigLine, type ConfigLine } from './config-lines.js';
import { argumentProblem, type ArgumentProblem } from './config-values.js';
import { expandGlob } from './glob.js';

interface FileProblem extends ArgumentProblem {
  position: SourcePosition;
}

interface ParsedConfigFile {
  /** The lines ssh would act on; lines with a problem are left out. */
  lines: ConfigLine[];
  /** Errors that do not depend on the host: syntax, a missing argument, a bad value. */
  problems: FileProblem[];
  /** Owner and mode, for the check ssh makes of ~/.ssh/config and included files. */
  owner: number;
  mode: number;
}

export class SshConfigCache {
  private readonly files = new Map<string, ParsedConfigFile | Error>();
  private readonly globs = new Map<string, string[]>();
  /** How many times a file was read and parsed. */
  parses = 0;

  /** The parsed file, or the error reading it. */
  file(path: string): ParsedConfigFile | Error {
    let parsed = this.files.get(path);
    if (parsed === undefined) {
      parsed = readConfigFile(path);
      this.parses += 1;
      this.files.set(path, parsed);
    }
    return parsed;
  }

  glob(pattern: string): string[] {
    let paths = this.globs.get(pattern);
    if (paths === undefined) {
      paths = expandGlob(pattern);
      this.globs.set(pattern, paths);
    }
    return paths;
  }
}

function readConfigFile(path: string): ParsedConfigFile | Error {
  let text: string;
  let owner: number;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    ({ uid: owner, mode } = statSync(path));
  } catch (error) {
    // fopen succeeds on a folder and reading it gives nothing: ssh applies no settings from it
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { lines: [], problems: [], owner: 0, mode: 0 };
    return error as Error;
  }
  const lines: ConfigLine[] = [];
  const problems: FileProblem[] = [];
  text.split('\n').forEach((raw, index) => {
    const position = { file: path, line: index + 1, column: raw.length - raw.trimStart().length + 1 };
    let line: ConfigLine | null;
    try {
      line = parseConfigLine(raw, position);
    } catch (error) {
      if (!(error instanceof ConfigSyntaxError)) throw error;
      problems.push({ message: error.message, position });
      return;
    }
    if (line === null) return;
    const problem = argumentProblem(line);
    if (problem) problems.push({ ...problem, position });
    else lines.push(line);
  });
  return { lines, problems, owner, mode };
}

