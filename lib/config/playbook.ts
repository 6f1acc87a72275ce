import { dirname } from 'node:path';
import { OctoiError, formatPosition, type Diagnostic } from '../diagnostics.js';
import { listenersCollide } from './listen.js';
import { fileScriptReader, type ScriptReader } from './script-source.js';
import { parsePlayTemplates } from './play-templates.js';
import { DEFAULT_HARDENING, type HardeningLevel } from '../units/hardening.js';
import { buildService, Findings, type RawService } from './service.js';
import type { BatchSize, Play, Playbook, ServiceSpec } from './types.js';
import { byPosition, fieldName, schemaValidator, type SourceValidator } from './validate.js';
import { parseYamlSource, readYamlSource, type YamlPath, type YamlResult } from '../source/yaml-source.js';

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

/** Names the document in field paths: `plays[0].services[1].listen`. */
export const PLAYBOOK_ROOT = 'plays';
let validatePlaybookSchema: SourceValidator | undefined;

/** Reads, validates and resolves a playbook file; throws `OctoiError('invalid-input')` with every problem found. */
export async function loadPlaybook(file: string): Promise<Playbook> {
  return playbookFrom(await readYamlSource(file), fileScriptReader(dirname(file)));
}

/** `loadPlaybook` for text already in memory; `readScript` serves `script.src` (default: files beside `file`). */
export async function parsePlaybook(file: string, text: string, readScript: ScriptReader = fileScriptReader(dirname(file))): Promise<Playbook> {
  return playbookFrom(parseYamlSource(file, text), readScript);
}

async function playbookFrom(parsed: YamlResult, readScript: ScriptReader): Promise<Playbook> {
  if (!parsed.source) throw new OctoiError('invalid-input', parsed.diagnostics);
  const source = parsed.source;
  validatePlaybookSchema ??= schemaValidator('playbook.schema.json', PLAYBOOK_ROOT);
  const schemaProblems = validatePlaybookSchema(source);
  const isClean = cleanOf(schemaProblems);
  const findings = new Findings(source, PLAYBOOK_ROOT);
  const rawPlays = Array.isArray(source.value) ? (source.value as RawPlay[]) : [];
  const reader = readOnce(readScript);
  const plays = await Promise.all(rawPlays.map((raw, index) => buildPlay(findings, raw, [index], reader, isClean)));
  const diagnostics = [...schemaProblems, ...findings.diagnostics].sort(byPosition);
  if (diagnostics.length > 0) throw new OctoiError('invalid-input', diagnostics);
  return { file: source.file, plays };
}

/**
 * Which paths the schema found no fault in: services there are still checked, so one run reports
 * every problem.
 */
export function cleanOf(schemaProblems: readonly Diagnostic[]): (path: YamlPath) => boolean {
  const faulty = new Set(schemaProblems.map((problem) => problem.field));
  return (path) => {
    const field = fieldName(PLAYBOOK_ROOT, path);
    return ![...faulty].some((other) => other === undefined || other === field || other.startsWith(`${field}.`) || other.startsWith(`${field}[`));
  };
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
  const servicesVary = templated.size > 0;
  return {
    name: raw.name ?? hosts,
    hosts,
    services: servicesVary ? [] : services,
    position: findings.source.positionOf(path),
    hardening,
    ...(templates ? { templates: { source: findings.source, path, parsed: templates.parsed, headerVaries: templates.headerVaries, servicesVary, readScript } } : {}),
    ...(raw.vars === undefined ? {} : { vars: raw.vars }),
    ...(raw.serial === undefined ? {} : { serial: (Array.isArray(raw.serial) ? raw.serial : [raw.serial]).map(batchSize) }),
    ...(raw.max_fail_percentage === undefined ? {} : { maxFailPercentage: raw.max_fail_percentage }),
    ...(raw.max_failures === undefined ? {} : { maxFailures: raw.max_failures }),
    ...(raw.rollback === undefined ? {} : { rollback: raw.rollback }),
  };
}

/** Builds the services of a play's `services` list (skipping those not `isClean`) and checks them against each other. */
export async function buildServices(
  findings: Findings,
  raw: unknown,
  servicesPath: YamlPath,
  readScript: ScriptReader,
  isClean: (path: YamlPath) => boolean,
  playHardening: HardeningLevel,
): Promise<ServiceSpec[]> {
  const rawServices = Array.isArray(raw) ? (raw as RawService[]) : [];
  const clean = rawServices.map((service, index) => ({ service, path: [...servicesPath, index] })).filter((entry) => isClean(entry.path));
  const services = await Promise.all(clean.map((entry) => buildService(findings, entry.service, entry.path, readScript, playHardening)));
  checkServicesApart(findings, services, clean.map((entry) => entry.path));
  return services;
}

function batchSize(raw: RawBatchSize): BatchSize {
  return typeof raw === 'number' ? { kind: 'count', count: raw } : { kind: 'percent', percent: Number.parseInt(raw, 10) };
}

/** Services of one play land on the same hosts: names, script paths and listeners must not meet. */
function checkServicesApart(findings: Findings, services: readonly ServiceSpec[], paths: readonly YamlPath[]): void {
  services.forEach((service, index) => {
    const at = (...rest: YamlPath): YamlPath => [...(paths[index] ?? []), ...rest];
    for (const earlier of services.slice(0, index)) {
      const where = `first at ${formatPosition(earlier.position)}`;
      if (earlier.name === service.name) {
        findings.add(at('name'), `service name \`${service.name}\` is used twice in this play (${where})`, 'give each service its own name');
      }
      // Same names give the same default script path: the name diagnostic says it all.
      if (earlier.name !== service.name && earlier.script.path === service.script.path) {
        findings.add(at('script'), `script path ${service.script.path} is also used by service \`${earlier.name}\` (${where})`, 'give each service its own script path');
      }
      for (const address of service.listen) {
        const taken = earlier.listen.find((other) => listenersCollide(address, other));
        if (taken) {
          findings.add(at('listen'), `listen ${address.unitValue} collides with ${taken.unitValue} of service \`${earlier.name}\` (${where})`, 'two sockets cannot listen on one port of a host');
        }
      }
    }
    checkOwnListeners(findings, service, at('listen'));
  });
}

function checkOwnListeners(findings: Findings, service: ServiceSpec, path: YamlPath): void {
  service.listen.forEach((address, index) => {
    const taken = service.listen.slice(0, index).find((other) => listenersCollide(address, other));
    if (taken) findings.add([...path, index], `listen ${address.unitValue} collides with ${taken.unitValue} listed before it`, 'list each address once');
  });
}
