# shellcheck shell=sh
# The host's shell for a whole converge, after probe.sh and install.sh.
# Serves requests from octoi: `run N` then N bytes of script, which runs in this same shell (the
# functions stay defined, the lock stays held); `::octoi:: done` ends each answer. End of input
# ends the shell and with it the lock, and so does waiting longer than its first argument in
# seconds for a request (`ping` lines keep it waiting while octoi asks the services), or for the
# rest of one once it began, a second more per KiB: a controller whose link died without closing
# the connection must not hold the host. The request line is read by `read`, byte by byte, and the
# script by `head -c`, so neither reads past what it needs: octoi writes the next request only after this answer. Files go
# up inside a script, so a request cut off halfway has written nothing; a script that does not end
# with the request's end line was cut off, and the shell ends without running any of it.
# Set before this file: the request's end line, and probe.sh's newline.
: "${octoi_request_end:?}" "${octoi_nl:?}"
octoi_serve() {
  # shellcheck disable=SC2016 # the inner shell expands $octoi_line
  while octoi_request=$(timeout "$1" /bin/sh -c 'IFS= read -r octoi_line || exit
printf "%s\n" "$octoi_line"'); do
    case $octoi_request in
      'run '*)
        octoi_size=${octoi_request#run }
        # A large request may take longer than the wait for it, as long as it keeps coming: at a KiB a
        # second at least. A body cut short by the bound, or by a lost link, is never run.
        octoi_script=$(timeout "$(($1 + octoi_size / 1024))" head -c "$octoi_size") || return
        case $octoi_script in *"$octoi_nl$octoi_request_end") ;; *) return ;; esac
        eval "$octoi_script"
        octoi_marker 'done'
        ;;
      ping) ;;
      *) return ;;
    esac
  done
}
# Arguments: the lock folder, -x or -s, seconds to wait, who this run is.
octoi_lock() {
  if ! command -v flock >/dev/null 2>&1; then
    octoi_marker lock unavailable
    return 1
  fi
  # `command` keeps a failed redirection from ending the shell, as it would for a bare exec.
  # shellcheck disable=SC2174 # only octoi's lock folder is new: its parent is the system's
  if ! { [ -d "$1" ] || mkdir -p -m 0700 -- "$1" 2>/dev/null; } || [ -L "$1" ] || [ -L "$1/lock" ] || ! command exec 9>>"$1/lock" 2>/dev/null; then
    octoi_marker lock denied
    return 1
  fi
  if flock "$2" -w "$3" 9; then
    if [ "$2" = -x ]; then printf '%s\n' "$4" > "$1/holder"; fi
    return 0
  fi
  octoi_marker lock busy "$(octoi_hex "$(octoi_cat "$1/holder")")"
  return 1
}
