import { dirname } from 'node:path';
import { hasErrors, OctoiError, type Diagnostic } from '../diagnostics.js';
import { fileScriptReader, type ScriptReader } from './script-source.js';
import { parsePlayTemplates } from './play-templates.js';
import { buildServices, cleanOf, PLAYBOOK_ROOT, templatedServices } from './play-services.js';
import { DEFAULT_HARDENING, type HardeningLevel } from '../units/hardening.js';
import { Findings, type RawService } from './service.js';
import type { BatchSize, Play, Playbook } from './types.js';
import { byPosition, schemaValidator, type SourceValidator } from './validate.js';
import { parseYamlSource, readYamlSource, type YamlPath, type YamlSource } from '../source/yaml-source.js';

export type { ScriptReader } from './script-source.js';

/** A play as the schema lets it through. */
interface RawPlay {
  name?: string;
  hosts: string | string[];
  vars?: Record<string, unknown>;
  serial?: RawBatchSize | RawBatchSize[];
  max_fail_percentage?: number;
  max_failures?: number;
  rollback?: boolean;
  hardening?: HardeningLevel;
  services: RawService[];
}

type RawBatchSize = number | string;

let validatePlaybookSchema: SourceValidator | undefined;

/** A playbook and every problem found in it: `playbook` is null when one of them is an error. */
export type PlaybookValidation = { playbook: Playbook; diagnostics: Diagnostic[] } | { playbook: null; diagnostics: Diagnostic[] };

export interface PlaybookSource {
  /** The playbook's text, when it is already in memory; else `file` is read. */
  text?: string;
  /** Serves `script.src` (default: files beside the playbook). */
  readScript?: ScriptReader;
}

/**
 * Reads, validates and resolves a playbook file. Never throws for a mistake in the input (a file
 * that cannot be read included): each is a diagnostic with its position, field and hint.
 */
export async function validatePlaybook(file: string, source: PlaybookSource = {}): Promise<PlaybookValidation> {
  const parsed = source.text === undefined ? await readYamlSource(file) : parseYamlSource(file, source.text);
  if (!parsed.source) return { playbook: null, diagnostics: parsed.diagnostics };
  const result = await playbookFrom(parsed.source, source.readScript ?? fileScriptReader(dirname(file)));
  return hasErrors(result.diagnostics) ? { playbook: null, diagnostics: result.diagnostics } : result;
}

/** `validatePlaybook` that throws `OctoiError('invalid-input')` with every problem found. */
export async function loadPlaybook(file: string, source: PlaybookSource = {}): Promise<Playbook> {
  const { playbook, diagnostics } = await validatePlaybook(file, source);
  if (!playbook) throw new OctoiError('invalid-input', diagnostics);
  return playbook;
}

/** `loadPlaybook` for text already in memory; `readScript` serves `script.src` (default: files beside `file`). */
export function parsePlaybook(file: string, text: string, readScript?: ScriptReader): Promise<Playbook> {
  return loadPlaybook(file, { text, ...(readScript ? { readScript } : {}) });
}

async function playbookFrom(source: YamlSource, readScript: ScriptReader): Promise<{ playbook: Playbook; diagnostics: Diagnostic[] }> {
  validatePlaybookSchema ??= schemaValidator('playbook.schema.json', PLAYBOOK_ROOT);
  const schemaProblems = validatePlaybookSchema(source);
  const isClean = cleanOf(schemaProblems);
  const findings = new Findings(source, PLAYBOOK_ROOT);
  const rawPlays = Array.isArray(source.value) ? (source.value as RawPlay[]) : [];
  const reader = readOnce(readScript);
  const plays = await Promise.all(rawPlays.map((raw, index) => buildPlay(findings, raw, [index], reader, isClean)));
  return { playbook: { file: source.file, plays }, diagnostics: [...schemaProblems, ...findings.diagnostics].sort(byPosition) };
}

/** Templated plays read a `src` again for every host: the file is read once. */
function readOnce(readScript: ScriptReader): ScriptReader {
  const reads = new Map<string, Promise<string>>();
  return (src) => {
    const read = reads.get(src) ?? readScript(src);
    reads.set(src, read);
    return read;
  };
}

async function buildPlay(findings: Findings, raw: RawPlay, path: YamlPath, readScript: ScriptReader, isClean: (path: YamlPath) => boolean): Promise<Play> {
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.join(',') : raw.hosts;
  const servicesPath = [...path, 'services'];
  const templates = parsePlayTemplates(findings, raw, path);
  const templated = templates?.templatedServices ?? new Set<number>();
  const hardening = raw.hardening ?? DEFAULT_HARDENING;
  // Templated services are built for each host; the others are checked here, before any host.
  const services = await buildServices(findings, raw.services, servicesPath, readScript, (at) => isClean(at) && !templated.has(Number(at.at(-1))), hardening);
  const playTemplates = templates ? { source: findings.source, path, parsed: templates.parsed, headerVaries: templates.headerVaries } : undefined;
  return {
    name: raw.name ?? hosts,
    hosts,
    services: playTemplates && templated.size > 0 ? templatedServices(playTemplates, readScript, hardening) : { kind: 'fixed', services },
    position: findings.source.positionOf(path),
    hardening,
    ...(playTemplates ? { templates: playTemplates } : {}),
    ...(raw.vars === undefined ? {} : { vars: raw.vars }),
    ...(raw.serial === undefined ? {} : { serial: (Array.isArray(raw.serial) ? raw.serial : [raw.serial]).map(batchSize) }),
    ...(raw.max_fail_percentage === undefined ? {} : { maxFailPercentage: raw.max_fail_percentage }),
    ...(raw.max_failures === undefined ? {} : { maxFailures: raw.max_failures }),
    ...(raw.rollback === undefined ? {} : { rollback: raw.rollback }),
  };
}

function batchSize(raw: RawBatchSize): BatchSize {
  return typeof raw === 'number' ? { kind: 'count', count: raw } : { kind: 'percent', percent: Number.parseInt(raw, 10) };
}
