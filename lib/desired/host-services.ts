import { OctoiError, type Diagnostic } from '../diagnostics.js';
import type { Inventory } from '../inventory/index.js';
import { desiredService } from './render.js';
import type { DesiredService } from '../units/types.js';
import { PLAYBOOK_ROOT, renderedValidator, renderPlayTexts } from '../config/play-services.js';
import { Findings } from '../config/service.js';
import type { Play, Playbook, RenderedServices } from '../config/types.js';
import { byPosition } from '../config/validate.js';
import { type Variables } from '../template/variables.js';
import { hostVariables, playVariables } from './variables.js';

/**
 * A play's services for one host: a templated play's rendered with `variables` and checked (its
 * diagnostics name the host and the field as written), a fixed play's as they are.
 */
export async function renderServicesForHost(play: Play, host: string, variables: Variables): Promise<RenderedServices> {
  if (play.services.kind === 'fixed') return { services: play.services.services };
  const rendered = await play.services.render(host, variables);
  return rendered.diagnostics ? { diagnostics: namingHosts(rendered.diagnostics) } : rendered;
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
      const value = renderPlayTexts(templates, path, playVariables(play, extraVars), findings, HEADER_SCOPE_HINT);
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
    const services = play.services;
    if (services.kind === 'fixed') {
      const shared = services.services.map(desiredService);
      for (const host of hosts) byHost.set(host, shared);
    } else {
      for (const host of hosts) {
        const rendered = await services.render(host, hostVariables(inventory, host, play, extraVars));
        if (rendered.diagnostics) problems.push(...rendered.diagnostics);
        else byHost.set(host, rendered.services.map(desiredService));
      }
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

const HEADER_SCOPE_HINT = "`name:` and `hosts:` see only the play's `vars:` and -e extra vars, not inventory variables";

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
