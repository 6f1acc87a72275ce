/**
 * The oldest systemd octoi manages: Debian 11's, the oldest release the lab tests on. Everything
 * octoi asks of systemd is older (`systemctl show` of `NAME@*.service` patterns, `Listen=`,
 * `NRefused=`, `DropInPaths=`, `enable --no-reload`), but only what is tested is promised.
 */
export const MINIMUM_SYSTEMD = 247;

/**
 * Why octoi cannot manage a host, from the probe's `init` section: the name of PID 1, then when it
 * is systemd, the first line of `systemctl --version` (`systemd 247 (247.3-7+deb11u5)`). Empty when
 * it can, or when the host did not say (then systemctl's own failure speaks).
 */
export function unsupportedHost(lines: readonly string[]): string[] {
  const [pid1, versionLine] = lines;
  if (pid1 === undefined || pid1 === '') return [];
  if (pid1 !== 'systemd') return [`systemd is not PID 1 (found: ${pid1}); octoi manages systemd socket units`];
  const version = /^systemd (\d+)\b/.exec(versionLine ?? '')?.[1];
  if (version === undefined) return [];
  if (Number(version) < MINIMUM_SYSTEMD) {
    return [`systemd ${version} is older than ${MINIMUM_SYSTEMD}, the oldest octoi supports (Debian 11's)`];
  }
  return [];
}
