import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Scalar, type Tags } from 'yaml';
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
  /**
   * The key at `path` as YAML resolved it, with its text: `1234:` is the number 1234, while the
   * plain data (`value`) can only hold it as the string "1234". Undefined where there is no such key.
   */
  keyAt(path: YamlPath): { value: unknown; text: string } | undefined;
  /**
   * The keys of the mapping at `path` in the order written. A plain object lists integer-like keys
   * ("1234") first, whatever the order in the file.
   */
  keysAt(path: YamlPath): string[];
}

export interface YamlOptions {
  /** Ansible inventories are YAML 1.1 (`yes` is true, `0644` is octal); playbooks are 1.2. */
  version?: '1.1' | '1.2';
  /** Replaces the tags of the version's schema (how plain scalars resolve, which `!tags` exist). */
  customTags?: (tags: Tags) => Tags;
}

/** A value built by a custom tag (such as `!vault`) that keeps where it was written, for its own errors. */
export interface Placeable {
  placeAt(position: SourcePosition): void;
}

function isPlaceable(value: unknown): value is Placeable {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Placeable>).placeAt === 'function';
}

export type YamlResult = { source: YamlSource; diagnostics: [] } | { source: null; diagnostics: Diagnostic[] };

export function parseYamlSource(file: string, text: string, options: YamlOptions = {}): YamlResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    version: options.version ?? '1.2',
    ...(options.customTags ? { customTags: options.customTags } : {}),
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
  visit(document, {
    Scalar(_, node) {
      if (isPlaceable(node.value)) node.value.placeAt(at(node.range?.[0] ?? 0));
    },
  });
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
      positionOf: (path, which = 'value') => {
        const { node, keyNode } = locate(document, path);
        const chosen = which === 'key' && keyNode ? keyNode : node;
        return at(chosen?.range?.[0] ?? 0);
      },
      keysAt: (path) => {
        const { node, depth } = locate(document, path);
        return depth === path.length && isMap(node) ? node.items.filter((item) => isScalar(item.key)).map((item) => plainKey((item.key as Scalar).value)) : [];
      },
      keyAt: (path) => {
        const { keyNode, depth } = locate(document, path);
        if (depth !== path.length || !isScalar(keyNode)) return undefined;
        return { value: keyNode.value, text: String(keyNode.source ?? keyNode.value) };
      },
    },
    diagnostics: [],
  };
}

export async function readYamlSource(file: string, options: YamlOptions = {}): Promise<YamlResult> {
  const read = await readYamlText(file);
  return 'text' in read ? parseYamlSource(file, read.text, options) : read.failure;
}

/** The text of a YAML file, or why it cannot be read (missing, or larger than octoi reads). */
export async function readYamlText(file: string): Promise<{ text: string } | { failure: YamlResult }> {
  const failure = (message: string, hint: string): { failure: YamlResult } => ({
    failure: { source: null, diagnostics: [{ severity: 'error', message, hint, position: { file, line: 1, column: 1 } }] },
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
  return { text: await readFile(file, 'utf8') };
}

function yamlMessage(code: string, message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  return code === 'DUPLICATE_KEY' ? `duplicate key: ${firstLine}` : `invalid YAML: ${firstLine}`;
}

/** A scalar key as the plain data spells it (the `yaml` package writes a null key as ""). */
function plainKey(value: unknown): string {
  return value === null ? '' : `${value as string | number | boolean | bigint}`;
}

/** The node at `path` (or its deepest existing ancestor), its key, and how many segments were found. */
function locate(document: Document.Parsed, path: YamlPath): { node: Node | null | undefined; keyNode: Node | null; depth: number } {
  let node: Node | null | undefined = document.contents;
  let keyNode: Node | null = null;
  let depth = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && plainKey(item.key.value) === String(segment));
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value as Node | null;
      depth += 1;
      if (!node) {
        node = keyNode;
        break;
      }
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
      keyNode = null;
      node = node.items[segment] as Node;
      depth += 1;
    } else {
      break;
    }
  }
  return { node, keyNode, depth };
}
