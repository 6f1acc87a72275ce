import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic, SourcePosition } from '../diagnostics.js';

/** Larger inputs are refused before parsing: no playbook or inventory is this big. */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;
/** Bounds alias expansion (a "billion laughs" document fails instead of eating memory). */
const MAX_ALIAS_COUNT = 200;

export type YamlPath = readonly (string | number)[];

/** A parsed YAML file that can still say where each value came from. */
export interface YamlSource {
  file: string;
  value: unknown;
  /**
   * Position of the node at `path` (its key when `at` is 'key'). A path that does not exist
   * resolves to its deepest existing ancestor, which is where a missing field belongs.
   */
  positionOf(path: YamlPath, at?: 'key' | 'value'): SourcePosition;
}

export interface YamlOptions {
  /** Ansible inventories are YAML 1.1 (`yes` is true, `0644` is octal); playbooks are 1.2. */
  version?: '1.1' | '1.2';
}

export type YamlResult = { source: YamlSource; diagnostics: [] } | { source: null; diagnostics: Diagnostic[] };

export function parseYamlSource(file: string, text: string, options: YamlOptions = {}): YamlResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    version: options.version ?? '1.2',
    uniqueKeys: true,
    prettyErrors: false,
  });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line: Math.max(line, 1), column: Math.max(col, 1) };
  };
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    return {
      source: null,
      diagnostics: problems.map((problem) => ({
        severity: 'error' as const,
        message: yamlMessage(problem.code, problem.message),
        position: at(problem.pos[0]),
        hint: 'fix the YAML syntax at this position',
      })),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return {
      source: null,
      diagnostics: [
        {
          severity: 'error',
          message: `cannot expand the document: ${(error as Error).message}`,
          position: at(0),
          hint: `aliases may expand to at most ${MAX_ALIAS_COUNT} nodes; write the values out instead`,
        },
      ],
    };
  }
  return {
    source: {
      file,
      value,
      positionOf: (path, which = 'value') => at(offsetOf(document, path, which)),
    },
    diagnostics: [],
  };
}

export async function readYamlSource(file: string, options: YamlOptions = {}): Promise<YamlResult> {
  const failure = (message: string, hint: string): YamlResult => ({
    source: null,
    diagnostics: [{ severity: 'error', message, hint, position: { file, line: 1, column: 1 } }],
  });
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    return failure(`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check the path');
  }
  if (size > MAX_YAML_BYTES) {
    return failure(`the file is ${size} bytes, more than the ${MAX_YAML_BYTES} octoi reads`, 'split it or remove what is not needed');
  }
  const text = await readFile(file, 'utf8');
  return parseYamlSource(file, text, options);
}

function yamlMessage(code: string, message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  return code === 'DUPLICATE_KEY' ? `duplicate key: ${firstLine}` : `invalid YAML: ${firstLine}`;
}

function offsetOf(document: Document.Parsed, path: YamlPath, which: 'key' | 'value'): number {
  let node: Node | null | undefined = document.contents;
  let keyNode: Node | null = null;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value as Node | null;
      if (!node) {
        node = keyNode;
        break;
      }
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
      keyNode = null;
      node = node.items[segment] as Node;
    } else {
      break;
    }
  }
  const chosen = which === 'key' && keyNode ? keyNode : node;
  return chosen?.range?.[0] ?? 0;
}
