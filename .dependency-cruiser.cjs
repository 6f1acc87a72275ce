// The import rules ARCHITECTURE.md describes: each folder of lib/ may import only the folders below
// it in LAYERS (and the generic modules at lib/'s root); lib/index.ts, the public API, may import all.
const LAYERS = [
  'source',
  'template',
  'ssh',
  'units',
  'config',
  'inventory',
  'desired',
  'facts',
  'plan',
  'host',
  'check',
  'apply',
  'run',
  'status',
  'report',
  'lab',
  'api',
  'cli',
];

const folder = (names) => `^lib/(${names.join('|')})/`;

const upward = LAYERS.map((layer, index) => ({
  name: `${layer}-imports-only-below`,
  comment: `lib/${layer}/ may import only ${LAYERS.slice(0, index).join(', ') || 'the root modules'}`,
  severity: 'error',
  from: { path: folder([layer]) },
  to: { path: [`^lib/index\\.ts$`, ...(index + 1 < LAYERS.length ? [folder(LAYERS.slice(index + 1))] : [])] },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'root-modules-are-generic',
      comment: "the modules at lib/'s root import no folder of lib/ (lib/index.ts excepted)",
      severity: 'error',
      from: { path: '^lib/[^/]+\\.ts$', pathNot: '^lib/index\\.ts$' },
      to: { path: '^lib/[^/]+/' },
    },
    {
      name: 'no-unknown-folder',
      comment: 'every folder of lib/ has its place in LAYERS',
      severity: 'error',
      from: { path: '^lib/[^/]+/', pathNot: folder(LAYERS) },
      to: {},
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'lib-never-imports-tests',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(test|bench|examples)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
