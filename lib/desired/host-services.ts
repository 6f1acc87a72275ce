import { OctoiError, type Diagnostic } from '../diagnostics.js';
import type { Inventory } from '../inventory/index.js';
import { desiredService } from './render.js';
import type { DesiredService } from '../units/types.js';
import { mapTemplateTexts } from '../config/play-templates.js';
import { buildServices, cleanOf, PLAYBOOK_ROOT } from '../config/playbook.js';
import { Findings } from '../config/service.js';
import { describeRenderProblem, renderTemplate } from '../template/template.js';
import type { Play, Playbook, PlayTemplates, ServiceSpec } from '../config/types.js';
import { byPosition, valueValidator, type ValueValidator } from '../config/validate.js';
import { type Variables } from '../template/variables.js';
import { hostVariables, playVariables } from './variables.js';
import type { YamlPath } from '../source/yaml-source.js';

/** The schema as rendered values must meet it: the same rules, with no template allowed any more. */
let renderedValidators: Record<'service' | 'hosts' | 'line', ValueValidator> | undefined;

function renderedValidator(definition: 'service' | 'hosts' | 'line'): ValueValidator {
  renderedValidators ??= {
    service: valueValidator('playbook.schema.json', PLAYBOOK_ROOT, { definition: 'service', without: 'template' }),
    hosts: valueValidator('playbook.schema.json', PLAYBOOK_ROOT, { definition: 'hosts', without: 'template' }),
    line: valueValidator('playbook.schema.json', PLAYBOOK_ROOT, { definition: 'line', without: 'template' }),
  };
  return renderedValidators[definition];
}

type RenderedServices = { services: ServiceSpec[]; diagnostics?: never } | { services?: never; diagnostics: Diagnostic[] };

/**
 * A play's services for one host: its `{{ }}` rendered with `variables`, then checked by the same
 * schema and semantic checks as services written out. Diagnostics name the host and the position of
 * the field as written. A play without templates returns its services as they are.
 */
export async function renderServicesForHost(play: Play, host: string, variables: Variables): Promise<RenderedServices> {
  const rendered = await renderForHost(play, host, variables);
  return rendered.diagnostics ? { diagnostics: namingHosts(rendered.diagnostics) } : rendered;
}

/** `renderServicesForHost` with diagnostics tagged by `host` only, to be merged over hosts. */
async function renderForHost(play: Play, host: string, variables: Variables): Promise<RenderedServices> {
  const templates = play.templates;
  if (!templates?.servicesVary) return { services: play.services };
  const servicesPath = [...templates.path, 'services'];
  const findings = new Findings(templates.source, PLAYBOOK_ROOT);
  const rendered = renderTexts(valueAt(templates.source.value, servicesPath), servicesPath, templates, variables, findings, HOST_SCOPE_HINT);
  if (findings.diagnostics.length > 0 || !Array.isArray(rendered)) return { diagnostics: onHost(findings.diagnostics, host) };
  const schemaProblems = rendered.flatMap((service, index) => renderedValidator('service')(service, templates.source, [...servicesPath, index]));
  const services = await buildServices(findings, rendered, servicesPath, templates.readScript, cleanOf(schemaProblems), play.hardening);
  const diagnostics = [...schemaProblems, ...findings.diagnostics];
  return diagnostics.length > 0 ? { diagnostics: onHost(diagnostics, host) } : { services };
}

/**
 * Renders the plays' `name:` and `hosts:` with their own `vars:` and the extra vars (not inventory
 * variables: the hosts are not known yet), as Ansible does. Throws `OctoiError('invalid-input')`.
 */
export function renderPlayHeaders(playbook: Playbook, extraVars: Variables): Playbook {
  const diagnostics: Diagnostic[] = [];
  const plays = playbook.plays.map((play) => {
    const templates = play.templates;
    if (!templates?.headerVaries) return play;
    const findings = new Findings(templates.source, PLAYBOOK_ROOT);
    const render = (field: 'name' | 'hosts'): unknown => {
      const path = [...templates.path, field];
      const value = renderTexts(valueAt(templates.source.value, path), path, templates, playVariables(play, extraVars), findings, HEADER_SCOPE_HINT);
      if (value !== undefined) findings.diagnostics.push(...renderedValidator(field === 'name' ? 'line' : 'hosts')(value, templates.source, path));
      return value;
    };
    const [name, hostsValue] = [render('name'), render('hosts')];
    diagnostics.push(...findings.diagnostics);
    const hosts = Array.isArray(hostsValue) ? hostsValue.join(',') : String(hostsValue);
    return { ...play, name: typeof name === 'string' ? name : hosts, hosts };
  });
  if (diagnostics.length > 0) throw new OctoiError('invalid-input', diagnostics);
  return { ...playbook, plays };
}

/** Each play's services for each of its hosts, keyed by the play's index. */
export type DesiredState = ReadonlyMap<number, ReadonlyMap<string, DesiredService[]>>;

/**
 * Renders the services of every targeted host of every play, before any host is contacted, and
 * throws `OctoiError('invalid-input')` with every host's problems. Plays without templates map
 * their services once and share them among their hosts.
 */
export async function desiredStateByHost(plays: readonly { play: Play; hosts: readonly string[] }[], inventory: Inventory, extraVars: Variables): Promise<DesiredState> {
  const state = new Map<number, Map<string, DesiredService[]>>();
  const problems: Diagnostic[] = [];
  for (const [index, { play, hosts }] of plays.entries()) {
    const byHost = new Map<string, DesiredService[]>();
    const shared = play.templates?.servicesVary ? null : play.services.map(desiredService);
    for (const host of hosts) {
      if (shared) {
        byHost.set(host, shared);
        continue;
      }
      const rendered = await renderForHost(play, host, hostVariables(inventory, host, play, extraVars));
      if (rendered.diagnostics) problems.push(...rendered.diagnostics);
      else byHost.set(host, rendered.services.map(desiredService));
    }
    state.set(index, byHost);
  }
  if (problems.length > 0) throw new OctoiError('invalid-input', namingHosts(problems).sort(byPosition));
  return state;
}

/** The services of `host` in play `playIndex`; a host the state does not know is a bug in the caller. */
export function servicesOf(state: DesiredState, playIndex: number, host: string): DesiredService[] {
  const services = state.get(playIndex)?.get(host);
  if (!services) throw new Error(`no desired state for host ${host} in play ${playIndex}: render it with desiredStateByHost first`);
  return services;
}

const HOST_SCOPE_HINT = "define it in the play's `vars:`, in the inventory (host_vars/, group_vars/ or the host's entry) or with -e NAME=VALUE";
const HEADER_SCOPE_HINT = "`name:` and `hosts:` see only the play's `vars:` and -e extra vars, not inventory variables";

function renderTexts(value: unknown, path: YamlPath, templates: PlayTemplates, variables: Variables, findings: Findings, scopeHint: string): unknown {
  return mapTemplateTexts(value, path, (text, at) => {
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

const HOSTS_NAMED = 5;

/** One diagnostic per problem, naming every host that has it: a fleet missing one variable gives one error, not hundreds. */
function namingHosts(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const groups = new Map<string, { diagnostic: Diagnostic; hosts: string[] }>();
  for (const diagnostic of diagnostics) {
    const { host, ...rest } = diagnostic;
    const key = JSON.stringify(rest);
    const group = groups.get(key) ?? { diagnostic, hosts: [] };
    if (host !== undefined) group.hosts.push(host);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ diagnostic, hosts }) => {
    const named = hosts.slice(0, HOSTS_NAMED).join(', ') + (hosts.length > HOSTS_NAMED ? ` and ${hosts.length - HOSTS_NAMED} more` : '');
    return { ...diagnostic, message: `${hosts.length === 1 ? 'host' : 'hosts'} ${named}: ${diagnostic.message}` };
  });
}

function valueAt(value: unknown, path: YamlPath): unknown {
  let node = value;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
