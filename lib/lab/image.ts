import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OctoiError } from '../diagnostics.js';
import { besideModule } from '../paths.js';
import { runCommand } from './run-command.js';

/** The Debian releases a lab host can run, by codename, with their version numbers. */
export const releases = { bullseye: 11, bookworm: 12, trixie: 13 } as const;
export type Release = keyof typeof releases;
export const defaultRelease: Release = 'bookworm';

export function isRelease(name: string): name is Release {
  return Object.hasOwn(releases, name);
}

const imagePackages = [
    'systemd',
    'systemd-sysv',
    'dbus',
    'libpam-systemd',
    'openssh-server',
    'iproute2',
    'net-tools',
    'procps',
    'netcat-openbsd',
    'python3',
    'sudo',
] as const;

interface ImageRecipe {
  suite: Release;
  variant: 'minbase';
  packages: readonly string[];
}

/** What a release's image is made of; its hash names the cached image, so any change here rebuilds it. */
function imageRecipe(release: Release): ImageRecipe {
  return { suite: release, variant: 'minbase', packages: imagePackages };
}

const defaultImageCacheDir = '/var/cache/octoi/images';

export interface ImageOptions {
  /** The Debian release of the image (default bookworm). */
  release?: Release;
  /** Folder holding one subfolder per recipe hash; default `/var/cache/octoi/images` or `OCTOI_IMAGE_CACHE`. */
  imageCacheDir?: string;
  onProgress?: (line: string) => void;
}

export interface Image {
  /** The root filesystem, used read-only as the lower layer of every host. */
  rootfs: string;
  recipeHash: string;
  release: Release;
}

function setupScriptPath(): string {
  return besideModule(import.meta.url, 'image-setup.sh');
}

export async function recipeHash(release: Release = defaultRelease): Promise<string> {
  const setup = await readFile(setupScriptPath(), 'utf8');
  return createHash('sha256')
    .update(JSON.stringify({ ...imageRecipe(release), setup }))
    .digest('hex')
    .slice(0, 16);
}

export function imageCacheDir(options: ImageOptions): string {
  return options.imageCacheDir ?? process.env['OCTOI_IMAGE_CACHE'] ?? defaultImageCacheDir;
}

/** The cached image for the release's recipe, built first when missing. */
export async function ensureImage(options: ImageOptions = {}): Promise<Image> {
  const release = options.release ?? defaultRelease;
  const hash = await recipeHash(release);
  const rootfs = join(imageCacheDir(options), hash, 'rootfs');
  if (existsSync(rootfs)) return { rootfs, recipeHash: hash, release };
  return buildImage(options);
}

/**
 * Builds the image in a temporary folder and renames it into place only when complete,
 * so an interrupted build never leaves a cached image that looks usable. An image of the
 * same recipe already cached is kept unless `replace` is set.
 */
export async function buildImage(options: ImageOptions & { replace?: boolean } = {}): Promise<Image> {
  const progress = options.onProgress ?? (() => undefined);
  const cacheDir = imageCacheDir(options);
  const release = options.release ?? defaultRelease;
  const recipe = imageRecipe(release);
  const hash = await recipeHash(release);
  await mkdir(cacheDir, { recursive: true });
  await removeAbandonedBuilds(cacheDir);
  const buildDir = join(cacheDir, `.build-${hash}-${process.pid}`);
  await rm(buildDir, { recursive: true, force: true });
  await mkdir(buildDir);
  const rootfs = join(buildDir, 'rootfs');
  try {
    const mirror = await debianMirror(release);
    progress(`building the ${release} host image ${hash} from ${mirror} (debootstrap, about 2 minutes)`);
    // A private mount namespace: the mounts debootstrap makes in the tree vanish with it, even if killed.
    await expectSuccess('debootstrap', [
      'unshare', '--mount', '--propagation', 'private', '--',
      'debootstrap', `--variant=${recipe.variant}`, `--include=${recipe.packages.join(',')}`,
      '--components=main', recipe.suite, rootfs, mirror,
    ]);
    progress('configuring the host image');
    await expectSuccess(
      'image setup',
      ['unshare', '--mount', '--propagation', 'private', '--', 'chroot', rootfs, '/bin/sh', '-s'],
      await readFile(setupScriptPath(), 'utf8'),
    );
    await writeFile(join(buildDir, 'recipe.json'), `${JSON.stringify({ ...recipe, hash }, null, 2)}\n`);
    const target = join(cacheDir, hash);
    // Labs may be running on the cached image: it is replaced only when asked to.
    if (options.replace && existsSync(target)) await rename(target, join(cacheDir, `.old-${hash}-${process.pid}`));
    try {
      await rename(buildDir, target);
    } catch (error) {
      // Another build of the same recipe finished first: its image is as good as this one.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      await rm(buildDir, { recursive: true, force: true });
    }
    await removeAbandonedBuilds(cacheDir);
    progress(`${release} host image ready: ${target}`);
    return { rootfs: join(target, 'rootfs'), recipeHash: hash, release };
  } catch (error) {
    await rm(buildDir, { recursive: true, force: true });
    throw error;
  }
}

async function expectSuccess(step: string, argv: string[], input?: string): Promise<void> {
  const result = await runCommand(argv, input === undefined ? {} : { input });
  if (result.exitCode === 0) return;
  const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
  throw OctoiError.single('lab', {
    message: `building the lab image failed in ${step} (exit ${result.exitCode}):\n${tail}`,
    hint: 'check that debootstrap is installed and that apt can reach its Debian mirror (set OCTOI_DEBIAN_MIRROR to override)',
  });
}

/** Leftovers of builds whose process is gone, and images replaced by a rebuild. */
async function removeAbandonedBuilds(cacheDir: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const match = /^\.(build|old)-[0-9a-f]+-(\d+)$/.exec(name);
    if (!match) continue;
    const owner = Number(match[2]);
    // A build still running (this one included) is not abandoned.
    if (match[1] === 'build' && (owner === process.pid || existsSync(`/proc/${owner}`))) continue;
    await rm(join(cacheDir, name), { recursive: true, force: true });
  }
}

/** The Debian mirror apt already uses for the release, so the build needs no other network. */
async function debianMirror(release: Release): Promise<string> {
  const fromEnv = process.env['OCTOI_DEBIAN_MIRROR'];
  if (fromEnv) return fromEnv;
  const files = ['/etc/apt/sources.list'];
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const name of await readdir('/etc/apt/sources.list.d')) files.push(join('/etc/apt/sources.list.d', name));
  }
  for (const file of files) {
    if (!existsSync(file)) continue;
    const mirror = mirrorInSources(await readFile(file, 'utf8'), release);
    if (mirror) return mirror;
  }
  return 'http://deb.debian.org/debian';
}

/** Finds the URI serving `suite` in a one-line (`deb URI suite ...`) or deb822 (`.sources`) apt file. */
export function mirrorInSources(text: string, suite: string): string | undefined {
  for (const line of text.split('\n')) {
    const words = line.replace(/\[[^\]]*\]/, '').trim().split(/\s+/);
    if (words[0] === 'deb' && words[2] === suite && words[1]) return words[1];
  }
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string): string[] =>
      new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
    if (!field('Types').includes('deb') || !field('Suites').includes(suite)) continue;
    const uri = field('URIs')[0];
    if (uri) return uri;
  }
  return undefined;
}
