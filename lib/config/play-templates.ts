import type { Findings } from './service.js';
import { isTemplate, parseTemplate, type Template } from '../template/template.js';
import type { YamlPath } from '../source/yaml-source.js';

/** The fields of a play that are read as templates, as written. */
interface PlayFields {
  name?: unknown;
  hosts?: unknown;
  services?: unknown;
}

interface ParsedPlayTemplates {
  parsed: Map<string, Template>;
  headerVaries: boolean;
  /** Indexes of the services that hold a template. */
  templatedServices: ReadonlySet<number>;
}

/**
 * Parses every template of a play: its `name`, `hosts` and every text value of its services except
 * `script.src` (a file copied as it is). Syntax errors go to `findings`. Null when there is none.
 */
export function parsePlayTemplates(findings: Findings, play: PlayFields, path: YamlPath): ParsedPlayTemplates | null {
  const parsed = new Map<string, Template>();
  const parse = (text: string, at: YamlPath): string => {
    if (parsed.has(text)) return text;
    const result = parseTemplate(text);
    if (result.problem) findings.add(at, result.problem.message, result.problem.hint);
    else parsed.set(text, result.template);
    return text;
  };
  let headerVaries = false;
  for (const field of ['name', 'hosts'] as const) {
    mapTemplateTexts(play[field], [...path, field], (text, at) => {
      headerVaries = true;
      return parse(text, at);
    });
  }
  const templatedServices = new Set<number>();
  (Array.isArray(play.services) ? play.services : []).forEach((service: unknown, index) => {
    mapTemplateTexts(service, [...path, 'services', index], (text, at) => {
      templatedServices.add(index);
      return parse(text, at);
    });
  });
  return headerVaries || templatedServices.size > 0 ? { parsed, headerVaries, templatedServices } : null;
}

/** `value` (found at `path`) with every template text replaced by `replace(text, itsPath)`; mapping keys stay as written. */
export function mapTemplateTexts(value: unknown, path: YamlPath, replace: (text: string, path: YamlPath) => string): unknown {
  if (typeof value === 'string') return isTemplate(value) && !isScriptSrc(path) ? replace(value, path) : value;
  if (Array.isArray(value)) return value.map((item, index) => mapTemplateTexts(item, [...path, index], replace));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapTemplateTexts(item, [...path, key], replace)]));
  }
  return value;
}

function isScriptSrc(path: YamlPath): boolean {
  return path.at(-2) === 'script' && path.at(-1) === 'src';
}
