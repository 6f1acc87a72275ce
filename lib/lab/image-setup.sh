#!/bin/sh
# Turns a fresh debootstrap tree into the lab's host image. Runs inside the tree (chroot).
# Everything that costs CPU at boot and means nothing in a test host is masked here: the
# lab boots dozens of hosts on two cores, and each unit started is paid for by every host.
set -eu

mask() {
  for unit in "$@"; do ln -sf /dev/null "/etc/systemd/system/$unit"; done
}

# Consoles and logins on terminals: a lab host is reached by SSH only.
mask getty.target console-getty.service getty@.service serial-getty@.service container-getty@.service
# Periodic jobs: a lab host lives minutes, not days.
mask timers.target apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
  fstrim.timer logrotate.timer man-db.timer systemd-tmpfiles-clean.timer
# Hardware, kernel and first-boot setup the machine's kernel already did or that cannot apply.
mask systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service \
  systemd-modules-load.service kmod-static-nodes.service systemd-sysctl.service \
  systemd-remount-fs.service systemd-random-seed.service systemd-firstboot.service \
  systemd-journal-flush.service systemd-journald-audit.socket systemd-update-utmp.service \
  systemd-update-utmp-runlevel.service systemd-hwdb-update.service systemd-machine-id-commit.service \
  systemd-pstore.service sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
  sys-fs-fuse-connections.mount dev-hugepages.mount dev-mqueue.mount e2scrub_reap.service \
  ldconfig.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
  systemd-networkd.service systemd-networkd-wait-online.service systemd-network-generator.service \
  networking.service cryptsetup.target remote-fs.target swap.target

# Logs stay in memory and small.
mkdir -p /etc/systemd/journald.conf.d
cat > /etc/systemd/journald.conf.d/octoi-lab.conf <<'CONF'
[Journal]
Storage=volatile
RuntimeMaxUse=4M
ForwardToConsole=no
ForwardToWall=no
CONF

# Root logs in by key only, with the one ed25519 host key the lab writes per host.
rm -f /etc/ssh/ssh_host_*
cat > /etc/ssh/sshd_config.d/octoi-lab.conf <<'CONF'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/authorized_keys/%u
CONF
# `sshd -t` before each start parses the config a second time: the lab's config is fixed.
mkdir -p /etc/systemd/system/ssh.service.d
cat > /etc/systemd/system/ssh.service.d/octoi-lab.conf <<'CONF'
[Service]
ExecStartPre=
CONF
rm -f /etc/motd /etc/update-motd.d/*

# Non-root logins for become: deploy runs sudo without a password, deploy-pw only with the
# password the lab sets per host at boot. Each host gets the lab's key for both in
# /etc/ssh/authorized_keys/USER. `*` (no password, not locked) still lets deploy log in by key.
useradd --create-home --shell /bin/bash --password '*' deploy
useradd --create-home --shell /bin/bash --password '*' deploy-pw
cat > /etc/sudoers.d/octoi-lab <<'CONF'
Defaults lecture=never
deploy ALL=(ALL:ALL) NOPASSWD: ALL
deploy-pw ALL=(ALL:ALL) ALL
CONF
chmod 0440 /etc/sudoers.d/octoi-lab
systemctl enable ssh.service >/dev/null 2>&1 || true

# Per-host identity is written into each host's upper layer; the image carries none.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log
