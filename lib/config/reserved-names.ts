/**
 * Unit names that belong to the operating system on every gateway a fleet runs (Debian and its
 * derivatives): a service of that name would shadow or remove the system's own unit, and with it
 * D-Bus, logins or the SSH access octoi itself depends on. The host's own units are checked again
 * on each host before anything is written; this list refuses the well-known ones before connecting.
 */
const RESERVED_NAMES = new Set([
  'dbus', 'dbus-broker', 'ssh', 'sshd', 'getty', 'serial-getty', 'console-getty', 'container-getty', 'autovt',
  'cron', 'anacron', 'atd', 'rsyslog', 'syslog', 'networking', 'network', 'NetworkManager', 'wpa_supplicant',
  'dhcpcd', 'udev', 'polkit', 'avahi-daemon', 'cups', 'chrony', 'chronyd', 'ntp', 'ntpd', 'ntpsec',
  'apt-daily', 'apt-daily-upgrade', 'unattended-upgrades', 'man-db', 'logrotate', 'e2scrub', 'e2scrub_all',
  'fstrim', 'emergency', 'rescue', 'user', 'docker', 'containerd', 'sudo', 'kmod', 'modprobe', 'init',
  'halt', 'reboot', 'poweroff', 'kexec', 'ifup', 'lvm2', 'mdadm', 'cryptsetup', 'getty-static', 'octoi',
]);

/** Prefixes of systemd's and the boot's own units. */
const RESERVED_PREFIXES = ['systemd-', 'dbus-', 'getty@', 'user@', 'user-runtime-dir', 'initrd-', 'plymouth', 'dracut'];

/** Why `name` may not be a service's name, or null when it may. */
export function reservedNameProblem(name: string): string | null {
  if (RESERVED_NAMES.has(name)) return `${name} is a unit of the operating system`;
  const prefix = RESERVED_PREFIXES.find((start) => name.startsWith(start));
  return prefix ? `names starting with ${prefix} belong to the operating system's own units` : null;
}
