# shellcheck shell=sh
# Shell functions shared by the probe and the apply script. Each prints its own section; none
# stops the script when a file or unit is missing (no `set -e`). A section's name comes
# hex-encoded from the controller as first argument: encoding it on the host would cost two
# processes per section, the bulk of the probe's work. Loops use shell builtins only, for the
# same reason.
# Set before this file: the marker starting octoi's lines, the commands the probe needs, the
# properties `systemctl show` reads, and the mark in the names of octoi's temp files.
: "${octoi_marker_prefix:?}" "${octoi_probe_tools:?}" "${octoi_unit_properties:?}" "${octoi_temp_mark:?}"
LC_ALL=C
export LC_ALL
octoi_nl='
'
octoi_marker() { printf '%s %s\n' "$octoi_marker_prefix" "$*"; }
octoi_hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
octoi_tools() {
  for octoi_tool in $octoi_probe_tools; do
    command -v "$octoi_tool" >/dev/null 2>&1 || octoi_marker missing-tool "$octoi_tool"
  done
}
# Arguments: the file naming PID 1, then the folders that may hold systemd's shared library. Prints
# that name and, when it is systemd, its version: octoi manages systemd units only.
octoi_init() {
  octoi_marker init
  if IFS= read -r octoi_pid1 < "$1"; then
    printf '%s
' "$octoi_pid1"
    shift
    if [ "$octoi_pid1" = systemd ]; then octoi_systemd_version "$@"; fi
  fi 2>/dev/null
}
# Arguments: folders, which may hold a glob. Prints `systemd N` as `systemctl --version` starts, N
# read with builtins alone from the name of the library systemctl links (libsystemd-shared-N.so,
# from the same package): starting systemctl cost each host milliseconds at every run. No library,
# a name that is not a bare number (a distribution's own tag), or libraries that disagree ask
# systemctl itself.
octoi_systemd_version() {
  octoi_version=
  for octoi_dir in "$@"; do
    # shellcheck disable=SC2231 # the folder's glob is meant to expand; octoi's folders hold no spaces
    for octoi_lib in $octoi_dir/libsystemd-shared-*.so; do
      [ -f "$octoi_lib" ] || continue
      octoi_tag=${octoi_lib##*/libsystemd-shared-}
      octoi_tag=${octoi_tag%.so}
      case $octoi_tag in
        '' | *[!0-9]*) octoi_version=ask ;;
        *) if [ -z "$octoi_version" ]; then octoi_version=$octoi_tag; elif [ "$octoi_version" != "$octoi_tag" ]; then octoi_version=ask; fi ;;
      esac
    done
  done
  case $octoi_version in
    '' | ask) systemctl --version ;;
    *) printf 'systemd %s\n' "$octoi_version" ;;
  esac
}
# Prints a file's lines as they are, with builtins only; a link is never followed.
octoi_cat() {
  if [ -f "$1" ] && [ ! -L "$1" ]; then
    while IFS= read -r octoi_line || [ -n "$octoi_line" ]; do printf '%s\n' "$octoi_line"; done < "$1"
  fi
}
# Arguments: the owned record, then the pending record.
octoi_records() {
  octoi_marker owned
  octoi_cat "$1"
  octoi_marker pending
  octoi_cat "$2"
}
# Sets octoi_kind to what is at PATH: present (a regular file, not a link), link, other or missing.
octoi_kind_of() {
  if [ -L "$1" ]; then
    octoi_kind='link'
  elif [ -f "$1" ]; then
    octoi_kind=present
  elif [ -e "$1" ]; then
    octoi_kind=other
  else
    octoi_kind=missing
  fi
}
# Arguments: a line of sha256sum output and the stat line of the same file.
octoi_present() { printf 'present %s %s\n' "${1%% *}" "$2"; }
octoi_file() {
  octoi_marker file "$1"
  octoi_kind_of "$2"
  if [ "$octoi_kind" != present ]; then
    echo "$octoi_kind"
  elif octoi_sum=$(sha256sum < "$2") && octoi_stat=$(stat -c '%a %U %G' -- "$2"); then
    octoi_present "$octoi_sum" "$octoi_stat"
  else
    echo unreadable
  fi
}
# The file sections of HEX PATH pairs, as octoi_file prints them. The probe runs on every host at
# every run and starting a process is most of its cost, so one sha256sum and one stat read all
# regular files, each printing a line per file in argument order. If either fails (a file cannot
# be read or just vanished), octoi_file reads each one alone, which reports it as before.
octoi_files() {
  # HEX:KIND words, safe to split on spaces as HEX is hex; the paths of the regular files replace the pairs.
  octoi_sections=
  octoi_left=$(($# / 2))
  while [ "$octoi_left" -gt 0 ]; do
    octoi_kind_of "$2"
    octoi_sections="$octoi_sections $1:$octoi_kind"
    if [ "$octoi_kind" = present ]; then set -- "$@" "$2"; fi
    shift 2
    octoi_left=$((octoi_left - 1))
  done
  octoi_batched=
  if [ $# -gt 0 ] && octoi_sums=$(sha256sum -- "$@" 2>/dev/null) && octoi_stats=$(stat -c '%a %U %G' -- "$@" 2>/dev/null); then
    octoi_batched=1
  fi
  for octoi_section in $octoi_sections; do
    octoi_name=${octoi_section%:*}
    octoi_kind=${octoi_section#*:}
    if [ "$octoi_kind" != present ]; then
      octoi_marker file "$octoi_name"
      echo "$octoi_kind"
      continue
    fi
    if [ -n "$octoi_batched" ]; then
      octoi_marker file "$octoi_name"
      octoi_sum=${octoi_sums%%"$octoi_nl"*}
      # sha256sum starts the line with a backslash when it had to escape the name of the file.
      octoi_present "${octoi_sum#\\}" "${octoi_stats%%"$octoi_nl"*}"
      octoi_sums=${octoi_sums#*"$octoi_nl"}
      octoi_stats=${octoi_stats#*"$octoi_nl"}
    else
      octoi_file "$octoi_name" "$1"
    fi
    shift
  done
}
octoi_content() {
  if [ -f "$2" ] && [ ! -L "$2" ]; then
    octoi_marker content "$1"
    base64 < "$2"
  fi
}
# The dir sections of HEX PATH pairs: yes (a folder, not a link) with its owner's uid and mode
# (one stat for all) and how many entries it holds, or link, other or no; then the leftover
# temp files of any run in it.
octoi_dirs() {
  octoi_sections=
  octoi_left=$(($# / 2))
  while [ "$octoi_left" -gt 0 ]; do
    if [ -L "$2" ]; then
      octoi_kind='link'
    elif [ -d "$2" ]; then
      octoi_kind=yes
      set -- "$@" "$2"
    elif [ -e "$2" ]; then
      octoi_kind=other
    else
      octoi_kind=no
    fi
    octoi_sections="$octoi_sections $1:$octoi_kind"
    shift 2
    octoi_left=$((octoi_left - 1))
  done
  octoi_stats=
  if [ $# -gt 0 ]; then octoi_stats=$(stat -c '%u %a' -- "$@" 2>/dev/null) || octoi_stats=; fi
  for octoi_section in $octoi_sections; do
    octoi_name=${octoi_section%:*}
    octoi_kind=${octoi_section#*:}
    if [ "$octoi_kind" != yes ]; then
      octoi_marker dir "$octoi_name" "$octoi_kind"
      continue
    fi
    octoi_count=0
    for octoi_entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
      if [ -e "$octoi_entry" ] || [ -L "$octoi_entry" ]; then octoi_count=$((octoi_count + 1)); fi
    done
    octoi_owner_mode=${octoi_stats%%"$octoi_nl"*}
    octoi_marker dir "$octoi_name" yes "${octoi_owner_mode:-unknown unknown}" "$octoi_count"
    octoi_stats=${octoi_stats#*"$octoi_nl"}
    for octoi_temp in "$1"/.*"$octoi_temp_mark"*; do
      # Only files and links can be octoi's leftovers: it never makes anything else of that name.
      if [ -f "$octoi_temp" ] || [ -L "$octoi_temp" ]; then octoi_marker temp "$(octoi_hex "$octoi_temp")"; fi
    done
    shift
  done
}
octoi_unit() {
  octoi_marker unit "$1"
  shift
  systemctl show -p "$octoi_unit_properties" -- "$@"
  octoi_marker unit-status "$?"
}
# Arguments: the service's name hex-encoded, the administrator's unit folder, the name, the paths
# of NAME.service and NAME@.service in that folder hex-encoded, then the system's unit folders.
# Prints the unit files of that name beside octoi's (NAME.service, NAME@.service: the planner knows
# which are octoi's own), any in the system's folders, and every drop-in of the socket, the services
# and the template's instances. The two beside octoi's are there on every converged host: their
# names come encoded, as encoding costs two processes.
octoi_foreign() {
  octoi_service=$1
  octoi_etc=$2
  octoi_name=$3
  octoi_path=$octoi_etc/$octoi_name.service
  if [ -e "$octoi_path" ] || [ -L "$octoi_path" ]; then octoi_marker unit-file "$octoi_service" "$4"; fi
  octoi_path=$octoi_etc/$octoi_name@.service
  if [ -e "$octoi_path" ] || [ -L "$octoi_path" ]; then octoi_marker unit-file "$octoi_service" "$5"; fi
  shift 5
  for octoi_dir in "$@"; do
    for octoi_path in "$octoi_dir/$octoi_name.socket" "$octoi_dir/$octoi_name@.service" "$octoi_dir/$octoi_name.service"; do
      if [ -e "$octoi_path" ] || [ -L "$octoi_path" ]; then octoi_marker unit-file "$octoi_service" "$(octoi_hex "$octoi_path")"; fi
    done
  done
  for octoi_dir in "$octoi_etc" "$@"; do
    for octoi_path in "$octoi_dir/$octoi_name.socket.d"/*.conf "$octoi_dir/$octoi_name.service.d"/*.conf "$octoi_dir/$octoi_name@.service.d"/*.conf "$octoi_dir/$octoi_name@"*".service.d"/*.conf; do
      if [ -e "$octoi_path" ] || [ -L "$octoi_path" ]; then octoi_marker dropin "$octoi_service" "$(octoi_hex "$octoi_path")"; fi
    done
  done
}
# Arguments: the program's path hex-encoded, then the path. Whether `exec` can run it: yes,
# not-executable or missing.
octoi_program() {
  if [ -f "$2" ] && [ -x "$2" ]; then
    octoi_marker program "$1" yes
  elif [ -e "$2" ]; then
    octoi_marker program "$1" not-executable
  else
    octoi_marker program "$1" missing
  fi
}
# Arguments: the service's name hex-encoded, its service unit's path, the unit to score. Prints the
# overall exposure systemd-analyze finds for it when the unit file is there; a host
# without systemd-analyze prints nothing, and the score is unknown.
octoi_exposure() {
  if [ -f "$2" ] && command -v systemd-analyze >/dev/null 2>&1; then
    octoi_marker exposure "$1"
    systemd-analyze security --no-pager -- "$3" 2>/dev/null | while IFS= read -r octoi_line; do
      case $octoi_line in *'Overall exposure level for '*) printf '%s
' "$octoi_line" ;; esac
    done
  fi
}
octoi_groups() {
  for octoi_group in "$@"; do
    if getent group "$octoi_group" >/dev/null 2>&1; then octoi_marker group "$octoi_group" yes; else octoi_marker group "$octoi_group" no; fi
  done
}
octoi_listeners() {
  if command -v ss >/dev/null 2>&1; then
    octoi_marker listeners ss
    ss -H -tlnp
  elif command -v netstat >/dev/null 2>&1; then
    octoi_marker listeners netstat
    netstat -tlnp
  else
    octoi_marker listeners none
  fi
}
