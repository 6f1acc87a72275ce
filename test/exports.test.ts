import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import ts from 'typescript';
import { packageRoot } from '../lib/paths.js';

const root = packageRoot();

function filesUnder(folder: string, extensions: string[]): string[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => extensions.some((extension) => path.endsWith(extension)))
    .map((path) => join(dir, path));
}

/**
 * `lib/x.ts name` for each name that a script imports from the compiled `dist/lib/x.js`, and
 * `lib/x.ts *` for a module a script bundles (esbuild's `entryPoints`), whose exports the bundle keeps.
 */
function namesImportedFromDist(): Set<string> {
  const scripts = [join(root, 'bin', 'octoi'), ...['bench', 'scripts', 'examples'].flatMap((folder) => filesUnder(folder, ['.js', '.mjs', '.ts']))];
  const names = new Set<string>();
  for (const script of scripts) {
    const text = readFileSync(script, 'utf8');
    for (const [, entries = ''] of text.matchAll(/entryPoints:\s*\[([^\]]*)\]/g)) {
      for (const [, module = ''] of entries.matchAll(/dist\/(lib\/[^'"]+)\.js/g)) names.add(`${module}.ts *`);
    }
    const imports = text.matchAll(/\{([^}]*)\}\s*(?:from|=\s*await\s+import\()[^'"]*['"][^'"]*dist\/(lib\/[^'"]+)\.js['"]/g);
    for (const [, list = '', module = ''] of imports) {
      for (const imported of list.split(',')) {
        const [name = ''] = imported.trim().split(/\s+as\s+|\s*:/);
        if (name !== '') names.add(`${module}.ts ${name}`);
      }
    }
  }
  return names;
}

function languageService(files: string[], options: ts.CompilerOptions): ts.LanguageService {
  return ts.createLanguageService({
    getScriptFileNames: () => files,
    getScriptVersion: () => '1',
    getScriptSnapshot: (file) => (existsSync(file) ? ts.ScriptSnapshot.fromString(readFileSync(file, 'utf8')) : undefined),
    getCurrentDirectory: () => root,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (settings) => ts.getDefaultLibFilePath(settings),
    fileExists: (file) => ts.sys.fileExists(file),
    readFile: (file) => ts.sys.readFile(file),
  });
}

/** Exports of lib/ that no other file references, that no script imports, and that lib/index.ts does not export. */
function exportsUsedNowhere(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  assert.ok(config, 'tsconfig.json is readable');
  const service = languageService([...config.fileNames, ...filesUnder('examples', ['.ts'])], config.options);
  const program = service.getProgram();
  assert.ok(program);
  const checker = program.getTypeChecker();
  const original = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const exportsOf = (file: ts.SourceFile) => {
    const module = checker.getSymbolAtLocation(file);
    return module ? checker.getExportsOfModule(module) : [];
  };
  const index = program.getSourceFile(join(root, 'lib', 'index.ts'));
  assert.ok(index, 'lib/index.ts is the public API');
  const publicApi = new Set(exportsOf(index).map(original));
  const importedFromDist = namesImportedFromDist();
  const unused: string[] = [];
  for (const file of program.getSourceFiles().filter((source) => source.fileName.startsWith(join(root, 'lib')))) {
    const path = relative(root, file.fileName);
    for (const symbol of exportsOf(file)) {
      const [declaration] = symbol.declarations ?? [];
      if (declaration?.getSourceFile() !== file || publicApi.has(original(symbol)) || importedFromDist.has(`${path} ${symbol.name}`) || importedFromDist.has(`${path} *`)) continue;
      const name = ts.getNameOfDeclaration(declaration) ?? declaration;
      const references = (service.findReferences(file.fileName, name.getStart()) ?? []).flatMap((entry) => entry.references);
      if (references.every((reference) => reference.fileName === file.fileName)) {
        unused.push(`${path}:${file.getLineAndCharacterOfPosition(name.getStart()).line + 1} ${symbol.name}`);
      }
    }
  }
  return unused;
}

it('every export of lib/ is imported somewhere, or is public API in lib/index.ts', () => {
  assert.deepEqual(exportsUsedNowhere(), [], 'drop the export (or the code, when nothing uses it)');
});
