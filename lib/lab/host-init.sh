#!/bin/sh
# Starts one lab host: real systemd as PID 1 in its own PID, mount, UTS, IPC, cgroup and
# network namespaces, on an overlay of the shared image. Run by the lab as `host-init.sh launch`
# with the OCTOI_* variables below; it re-enters itself for each later stage.
#   OCTOI_INIT    this script's path          OCTOI_HOST_NAME  host name (gw01)
#   OCTOI_NETNS   /run/netns/NAME to join     OCTOI_HOST_DIR   holds upper/ work/ root/ console.log
#   OCTOI_LOWER   the image's rootfs          OCTOI_CGROUP     the host's cgroup2 dir, or "self"
#   OCTOI_CGROUP2 where cgroup2 is mounted     OCTOI_HOST_INIT  systemd, or none: sshd alone as PID 1
#   OCTOI_BINDS   paths of the machine the host sees read-only at the same place, one a line
set -eu

case "$1" in
launch)
  # Under a systemd PID 1 the lab runs inside a delegated scope: its own cgroup is the host's.
  if [ "$OCTOI_CGROUP" = self ]; then
    # shellcheck disable=SC2153 # OCTOI_CGROUP2 comes from the lab, as the list above says
    OCTOI_CGROUP="$OCTOI_CGROUP2$(sed -n 's/^0:://p' /proc/self/cgroup)"
    export OCTOI_CGROUP
  fi
  mkdir -p "$OCTOI_CGROUP/supervisor" "$OCTOI_CGROUP/payload"
  # The launcher apart from the host's own processes, so systemd inside owns its whole tree.
  echo 0 > "$OCTOI_CGROUP/supervisor/cgroup.procs"
  # Written once the cgroup holds the launcher: the lab reads an empty cgroup as a dead host.
  echo "$OCTOI_CGROUP" > "$OCTOI_HOST_DIR/cgroup"
  # script(1) gives the host a real terminal for /dev/console, which systemd needs, and logs it.
  # shellcheck disable=SC2016 # the shell script(1) starts expands them
  exec script -qfec 'exec nsenter --net="$OCTOI_NETNS" unshare --pid --fork --kill-child --mount --uts --ipc --propagation=private -- /bin/sh "$OCTOI_INIT" pid1' "$OCTOI_HOST_DIR/console.log"
  ;;
pid1)
  echo 0 > "$OCTOI_CGROUP/payload/cgroup.procs"
  exec unshare --cgroup -- /bin/sh "$OCTOI_INIT" root
  ;;
root) ;;
*) echo "host-init.sh: unknown stage $1" >&2; exit 2 ;;
esac

R="$OCTOI_HOST_DIR/root"
console=$(tty)
mount -t overlay overlay -o "lowerdir=$OCTOI_LOWER,upperdir=$OCTOI_HOST_DIR/upper,workdir=$OCTOI_HOST_DIR/work" "$R"

mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
# The host's sysctl and udev must never reach the machine's kernel.
for path in sys sysrq-trigger; do
  [ -e "$R/proc/$path" ] || continue
  mount --bind "$R/proc/$path" "$R/proc/$path"
  mount -o remount,bind,ro "$R/proc/$path"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount -t cgroup2 -o nsdelegate cgroup2 "$R/sys/fs/cgroup" 2>/dev/null ||
  mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"

mount -t tmpfs -o nosuid,mode=755,size=1m tmpfs "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3
mknod -m 666 "$R/dev/zero" c 1 5
mknod -m 666 "$R/dev/full" c 1 7
mknod -m 666 "$R/dev/random" c 1 8
mknod -m 666 "$R/dev/urandom" c 1 9
mknod -m 666 "$R/dev/tty" c 5 0
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o nosuid,nodev,mode=1777,size=16m tmpfs "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
touch "$R/dev/console"
mount --bind "$console" "$R/dev/console"
mount -t tmpfs -o nosuid,nodev,mode=755,size=32m tmpfs "$R/run"

printf '%s\n' "$OCTOI_BINDS" | while IFS= read -r path; do
  [ -n "$path" ] || continue
  if [ -d "$path" ]; then mkdir -p "$R$path"; else mkdir -p "$R${path%/*}" && : > "$R$path"; fi
  mount --bind "$path" "$R$path"
  mount -o remount,bind,ro "$R$path"
done

hostname "$OCTOI_HOST_NAME"
cd "$R"
pivot_root . .
umount -l .
cd /
if [ "$OCTOI_HOST_INIT" = none ]; then
  # A host octoi must refuse: reachable by SSH like the others, with no service manager at all.
  mkdir -p /run/sshd
  set -- /usr/sbin/sshd -D -e
else
  set -- /lib/systemd/systemd
fi
exec setpriv --bounding-set -sys_module,-sys_rawio,-sys_time,-syslog,-mac_admin,-mac_override,-wake_alarm,-block_suspend,-sys_pacct \
  env -i container=octoi-lab PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  "$@"
