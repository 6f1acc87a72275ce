import { formatPosition, type Diagnostic } from '../diagnostics.js';
import type { HardeningLevel } from '../units/hardening.js';
import { describeRenderProblem, renderTemplate } from '../template/template.js';
import type { Variables } from '../template/variables.js';
import type { YamlPath } from '../source/yaml-source.js';
import { listenersCollide } from './listen.js';
import { mapTemplateTexts } from './play-templates.js';
import type { ScriptReader } from './script-source.js';
import { buildService, Findings, type RawService } from './service.js';
import type { PlayServices, PlayTemplates, RenderedServices, ServiceSpec } from './types.js';
import { fieldName, valueValidator, type ValueValidator } from './validate.js';

/** Names the document in field paths: `plays[0].services[1].listen`. */
export const PLAYBOOK_ROOT = 'plays';

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

/** The schema as rendered values must meet it: the same rules, with no template allowed any more. */
let renderedValidators: Record<'service' | 'hosts' | 'line', ValueValidator> | undefined;

export function renderedValidator(definition: 'service' | 'hosts' | 'line'): ValueValidator {
  renderedValidators ??= {
    service: valueValidator('playbook.schema.json', PLAYBOOK_ROOT, { definition: 'service', without: 'template' }),
    hosts: valueValidator('playbook.schema.json', PLAYBOOK_ROOT, { definition: 'hosts', without: 'template' }),
    line: valueValidator('playbook.schema.json', PLAYBOOK_ROOT, { definition: 'line', without: 'template' }),
  };
  return renderedValidators[definition];
}

const HOST_SCOPE_HINT = "define it in the play's `vars:`, in the inventory (host_vars/, group_vars/ or the host's entry) or with -e NAME=VALUE";

/**
 * A play's services for one host, when one of them holds `{{ }}`: rendered with the host's
 * variables, then checked by the same schema and semantic checks as services written out.
 * Diagnostics name the host and the position of the field as written.
 */
export function templatedServices(templates: PlayTemplates, readScript: ScriptReader, playHardening: HardeningLevel): PlayServices {
  const servicesPath = [...templates.path, 'services'];
  return {
    kind: 'templated',
    async render(host: string, variables: Variables): Promise<RenderedServices> {
      const findings = new Findings(templates.source, PLAYBOOK_ROOT);
      const rendered = renderPlayTexts(templates, servicesPath, variables, findings, HOST_SCOPE_HINT);
      if (findings.diagnostics.length > 0 || !Array.isArray(rendered)) return { diagnostics: onHost(findings.diagnostics, host) };
      const schemaProblems = rendered.flatMap((service, index) => renderedValidator('service')(service, templates.source, [...servicesPath, index]));
      const services = await buildServices(findings, rendered, servicesPath, readScript, cleanOf(schemaProblems), playHardening);
      const diagnostics = [...schemaProblems, ...findings.diagnostics];
      return diagnostics.length > 0 ? { diagnostics: onHost(diagnostics, host) } : { services };
    },
  };
}

/** The value at `path` of the play's source with every template rendered; problems go to `findings`. */
export function renderPlayTexts(templates: PlayTemplates, path: YamlPath, variables: Variables, findings: Findings, scopeHint: string): unknown {
  return mapTemplateTexts(valueAt(templates.source.value, path), path, (text, at) => {
    const template = templates.parsed.get(text);
    if (!template) throw new Error(`template ${JSON.stringify(text)} at ${at.join('.')} was not parsed when the playbook was loaded`);
    const result = renderTemplate(template, variables);
    if (result.problem) findings.add(at, ...describeRenderProblem(result.problem, scopeHint));
    return result.text ?? text;
  });
}

function onHost(diagnostics: readonly Diagnostic[], host: string): Diagnostic[] {
  return diagnostics.map((diagnostic) => ({ ...diagnostic, host }));
}

function valueAt(value: unknown, path: YamlPath): unknown {
  let node = value;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
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
