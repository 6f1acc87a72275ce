import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OctoiError, formatDiagnostic } from '../diagnostics.js';
import { ExitCode } from '../exit-codes.js';
import { defaultRelease, isRelease, releases } from '../lab/image.js';
import { buildImage, ensureImage, labDown, labInventoryPath, labStatus, labUp } from '../lab/index.js';

const labUsage = `Usage: octoi lab <command> [options]

Local test hosts (gw01, gw02, ...): real systemd and sshd in namespaces of this machine. Needs root.

Commands:
  up [--hosts N] [--bastion M] [--release R] [--init none]
                        start N hosts (default 3), or the ones missing; with --bastion, M more hosts
                        on a second network reached only through the host \`bastion\` (ProxyJump);
                        hosts added run Debian R (bullseye, bookworm or trixie; default bookworm);
                        with --init none they run sshd as PID 1 and no systemd (hosts octoi refuses);
                        prints the inventory path last
  down                  stop every host and remove everything the lab made
  status                list hosts with address, state, Debian release and PID 1
  inventory             print the path of the lab's Ansible inventory
  image [--release R] [--rebuild]
                        build the host image of release R (or reuse the cached one)

Options:
  --dir DIR             the lab's folder (default: OCTOI_LAB_DIR, else .lab in the project)
  --image-cache DIR     where host images are cached (default: OCTOI_IMAGE_CACHE, else /var/cache/octoi/images)
  -h, --help            show this help
`;

/** `.lab` at the root of the project the working directory is in (the folder with .git or package.json). */
function defaultLabDir(cwd: string = process.cwd()): string {
  const fromEnv = process.env['OCTOI_LAB_DIR'];
  if (fromEnv) return resolve(fromEnv);
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'package.json'))) return join(dir, '.lab');
    const parent = dirname(dir);
    if (parent === dir) return join(resolve(cwd), '.lab');
    dir = parent;
  }
}

export async function runLabCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        hosts: { type: 'string' },
        bastion: { type: 'string' },
        dir: { type: 'string' },
        'image-cache': { type: 'string' },
        rebuild: { type: 'boolean' },
        release: { type: 'string' },
        init: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${labUsage}`);
    return ExitCode.invalidInput;
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(labUsage);
    return command === undefined && !values.help ? ExitCode.invalidInput : ExitCode.ok;
  }
  if (extra.length > 0) {
    process.stderr.write(`error: unexpected argument ${extra[0]}\n\n${labUsage}`);
    return ExitCode.invalidInput;
  }
  const init = values.init ?? 'systemd';
  if (init !== 'systemd' && init !== 'none') {
    process.stderr.write(`error: --init ${init} is not one of systemd, none\n\n${labUsage}`);
    return ExitCode.invalidInput;
  }
  const dir = values.dir === undefined ? defaultLabDir() : resolve(values.dir);
  const imageCacheDir = values['image-cache'];
  const release = values.release ?? defaultRelease;
  if (!isRelease(release)) {
    process.stderr.write(`error: --release ${release} is not one of ${Object.keys(releases).join(', ')}\n\n${labUsage}`);
    return ExitCode.invalidInput;
  }
  const onProgress = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  try {
    switch (command) {
      case 'up': {
        const hosts = values.hosts === undefined ? 3 : Number(values.hosts);
        const behindBastion = values.bastion === undefined ? 0 : Number(values.bastion);
        const lab = await labUp({ dir, hosts, behindBastion, release, init, onProgress, ...(imageCacheDir ? { imageCacheDir } : {}) });
        process.stdout.write(`${lab.inventoryPath}\n`);
        return ExitCode.ok;
      }
      case 'down':
        await labDown({ dir, onProgress });
        return ExitCode.ok;
      case 'status':
        process.stdout.write(statusTable(await labStatus(dir), dir));
        return ExitCode.ok;
      case 'inventory':
        process.stdout.write(`${labInventoryPath(dir)}\n`);
        return ExitCode.ok;
      case 'image': {
        const options = { onProgress, release, ...(imageCacheDir ? { imageCacheDir } : {}) };
        const image = values.rebuild ? await buildImage({ ...options, replace: true }) : await ensureImage(options);
        process.stdout.write(`${image.rootfs}\n`);
        return ExitCode.ok;
      }
      default:
        process.stderr.write(`error: unknown lab command ${command}\n\n${labUsage}`);
        return ExitCode.invalidInput;
    }
  } catch (error) {
    if (error instanceof OctoiError) {
      process.stderr.write(`${error.diagnostics.map(formatDiagnostic).join('\n')}\n`);
    } else {
      process.stderr.write(`error: octoi lab ${command} failed: ${(error as Error).message}\n`);
    }
    return ExitCode.labFailed;
  }
}

function statusTable(hosts: Awaited<ReturnType<typeof labStatus>>, dir: string): string {
  if (hosts.length === 0) return `no lab in ${dir}\n`;
  const rows = [['HOST', 'ADDRESS', 'STATE', 'SSH', 'PID', 'RELEASE', 'INIT']];
  for (const host of hosts) {
    const pid = host.pid === undefined ? '-' : String(host.pid);
    rows.push([host.name, host.address, host.state, host.sshReady ? 'ready' : '-', pid, `${host.release}/${releases[host.release]}`, host.init]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}
