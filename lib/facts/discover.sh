# shellcheck shell=sh
# Finds the services octoi-style units make up on a host — every NAME.socket in the unit folder
# with a NAME@.service template beside it (Accept=yes) or else a NAME.service (Accept=no) — and
# reads their sockets' state (and the plain service's), and the host's TCP listeners. Masked units
# (links to /dev/null) are no regular files and are left out. Runs after probe.sh.
# Set before this file: the file naming PID 1, the folders of systemd's library (separated by
# spaces) and the unit folder.
: "${octoi_init_name:?}" "${octoi_systemd_libraries:?}" "${octoi_unit_directory:?}"
octoi_marker probe 1
octoi_tools
# shellcheck disable=SC2086 # one argument a folder
octoi_init "$octoi_init_name" $octoi_systemd_libraries
for octoi_socket in "$octoi_unit_directory"/*.socket; do
  octoi_name=${octoi_socket##*/}
  octoi_name=${octoi_name%.socket}
  if [ ! -f "$octoi_socket" ]; then
    continue
  elif [ -f "${octoi_socket%/*}/$octoi_name@.service" ]; then
    octoi_service=$(octoi_hex "$octoi_name")
    octoi_marker service "$octoi_service" template
    octoi_unit "$(octoi_hex "$octoi_name.socket")" "$octoi_name.socket"
    octoi_exposure "$octoi_service" "${octoi_socket%/*}/$octoi_name@.service" "$octoi_name@0.service"
  elif [ -f "${octoi_socket%/*}/$octoi_name.service" ]; then
    octoi_service=$(octoi_hex "$octoi_name")
    octoi_marker service "$octoi_service" plain
    octoi_unit "$(octoi_hex "$octoi_name.socket")" "$octoi_name.socket" "$octoi_name.service"
    octoi_exposure "$octoi_service" "${octoi_socket%/*}/$octoi_name.service" "$octoi_name.service"
  fi
done
octoi_listeners
octoi_marker end
