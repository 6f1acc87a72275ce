#!/usr/bin/env node
// Runs after tsc (npm run build): bundles the command line into one CommonJS file, dist/octoi.cjs,
// and V8's code cache for it after a warm-up run, which bin/octoi loads. Node resolves and links each of some
// 230 modules separately, which was most of the start-up; one file is read and compiled at once.
// The library (dist/lib) stays as tsc wrote it.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import { BUNDLE_PATH, writeCodeCache } from '../dist/lib/cli/bundle.js';

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

/**
 * Each of octoi's modules keeps its own import.meta.url, where tsc wrote it: it reads files beside
 * itself (the .sh files the build copies there, the precompiled validators).
 */
const moduleUrlsAsCompiled = {
  name: 'module-urls-as-compiled',
  setup(build) {
    build.onLoad({ filter: /[/\\]dist[/\\]lib[/\\].*\.js$/ }, (args) => {
      const fromBundle = `./${relative(dirname(BUNDLE_PATH), args.path).split('\\').join('/')}`;
      const source = readFileSync(args.path, 'utf8');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, __octoiBundleUrl).href`), loader: 'js' };
    });
  },
};

await build({
  entryPoints: [join(root, 'dist/lib/cli/main.js')],
  outfile: BUNDLE_PATH,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['cpu-features'],
  plugins: [nativeAddonsByPackagePath, moduleUrlsAsCompiled],
  // A bundled package's own import.meta.url is the bundle's.
  define: { 'import.meta.url': '__octoiBundleUrl' },
  banner: { js: "const __octoiBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

/**
 * The warm-up: a play of the seed playbook on one host at a loopback port nobody listens on, so
 * that a run's functions are compiled up to its first connection attempt; its output is dropped.
 */
async function playOnUnreachableHost(main) {
  const dir = mkdtempSync(join(tmpdir(), 'octoi-code-cache-'));
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const key = join(dir, 'id_ed25519');
  writeFileSync(key, ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
  const inventory = join(dir, 'inventory.yml');
  writeFileSync(inventory, `gateways:\n  hosts:\n    warm-up: { ansible_host: 127.0.0.1, ansible_port: ${port}, ansible_ssh_private_key_file: ${key} }\n`);
  const write = process.stdout.write;
  process.stdout.write = () => true;
  process.env.ANSIBLE_CONFIG = join(dir, 'none.cfg');
  try {
    await main(['play', join(root, 'playbooks/helloworld.yml'), '-i', inventory, '--plain']);
  } finally {
    process.stdout.write = write;
    rmSync(dir, { recursive: true, force: true });
  }
}

await writeCodeCache(playOnUnreachableHost);
