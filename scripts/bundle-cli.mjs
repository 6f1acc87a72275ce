#!/usr/bin/env node
// Runs after tsc (npm run build): bundles the command line into one module, dist/octoi.mjs, which
// bin/octoi runs. Node resolves and links each of some 230 modules separately, which was most of
// the start-up; one file is read and compiled at once. The library (dist/lib) stays as tsc wrote it.
import { build } from 'esbuild';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Native addons stay where npm built them, required by package path at run time (ssh2 falls back without them). */
const nativeAddonsByPackagePath = {
  name: 'native-addons',
  setup(build) {
    build.onResolve({ filter: /\.node$/ }, (args) => ({
      path: relative(join(root, 'node_modules'), join(args.resolveDir, args.path)),
      external: true,
    }));
  },
};

await build({
  entryPoints: [join(root, 'dist/lib/cli/main.js')],
  outfile: join(root, 'dist/octoi.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['cpu-features'],
  plugins: [nativeAddonsByPackagePath],
  // The bundled CommonJS packages (ssh2, ajv's runtime) expect require, __filename and __dirname.
  banner: {
    js: [
      "import { createRequire as __octoiCreateRequire } from 'node:module';",
      "import { fileURLToPath as __octoiFileURLToPath } from 'node:url';",
      'const require = __octoiCreateRequire(import.meta.url);',
      'const __filename = __octoiFileURLToPath(import.meta.url);',
      "const __dirname = __octoiFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  logLevel: 'warning',
});
