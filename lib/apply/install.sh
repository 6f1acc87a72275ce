# shellcheck shell=sh
# The apply script's steps, run after probe.sh. Steps run with stdout discarded and stderr kept
# for their marker. Each announces itself first: once octoi has closed the channel that write
# fails and the script ends there, before the next step. After the first failure the remaining
# steps only report that they were skipped. The records are rewritten whole into a new file that
# is renamed over the old one, so a crash leaves the old record or the new, never half of one; a
# path is recorded before octoi creates it and forgotten after it is gone.
# Set before this file, by probe.sh: the newline and the mark in the names of octoi's temp files.
: "${octoi_nl:?}" "${octoi_temp_mark:?}"
octoi_failed=
octoi_step() {
  octoi_n=$1
  shift
  if [ -n "$octoi_failed" ]; then octoi_marker step "$octoi_n" skipped; return 0; fi
  octoi_marker step "$octoi_n" begin
  if octoi_err=$("$@" 2>&1 >/dev/null); then
    octoi_marker step "$octoi_n" ok
  else
    octoi_rc=$?
    octoi_failed=1
    octoi_marker step "$octoi_n" failed "$octoi_rc" "$(octoi_hex "$octoi_err")"
  fi
}
# Arguments: a record file, add or drop, then whole lines (add keeps each line once).
octoi_record() {
  octoi_record_file=$1
  octoi_record_op=$2
  shift 2
  # shellcheck disable=SC2174 # only octoi's state folder is new: its parents are the system's
  mkdir -p -m 0700 -- "${octoi_record_file%/*}" || return
  # The umask applies to the redirection inside the subshell: the record is root's alone.
  (
    umask 077
    {
      if [ -f "$octoi_record_file" ]; then
        while IFS= read -r octoi_line || [ -n "$octoi_line" ]; do
          octoi_keep=1
          for octoi_given in "$@"; do [ "$octoi_line" = "$octoi_given" ] && octoi_keep=; done
          [ -n "$octoi_keep" ] && printf '%s\n' "$octoi_line"
        done < "$octoi_record_file"
      fi
      if [ "$octoi_record_op" = add ]; then printf '%s\n' "$@"; fi
    } > "$octoi_record_file.new"
  ) && mv -f -- "$octoi_record_file.new" "$octoi_record_file"
}
# Arguments: the owned record, the folder.
octoi_mkdir() { octoi_record "$1" add "dir $(octoi_hex "$2")" && mkdir -m 0755 -- "$2"; }
octoi_rmdir() { rmdir -- "$2" && octoi_record "$1" drop "dir $(octoi_hex "$2")"; }
octoi_remove() { rm -f -- "$2" && octoi_record "$1" drop "file $(octoi_hex "$2")"; }
# Arguments: the owned record, the mode, the owner, this run's temp file, the target, then folders to fsync.
octoi_install() {
  chmod -- "$2" "$4" && chown -- "$3" "$4" && octoi_record "$1" add "file $(octoi_hex "$5")" && mv -f -T -- "$4" "$5" || return
  shift 5
  if [ $# -gt 0 ]; then sync -- "$@"; fi
}
octoi_groupadd() { octoi_record "$1" add "group $(octoi_hex "$2")" && groupadd --system -- "$2"; }
octoi_groupdel() { groupdel -- "$2" && octoi_record "$1" drop "group $(octoi_hex "$2")"; }
# As octoi_install, from a staged upload: copied into a new temp file beside the target first.
# Arguments: the owned record, the staged file, the mode, the owner, the target, then folders to fsync.
octoi_install_staged() {
  octoi_staged=$2
  octoi_target=$5
  octoi_temp=$(mktemp -- "${octoi_target%/*}/.${octoi_target##*/}$octoi_temp_mark.XXXXXXXX") || return
  # shellcheck disable=SC2015 # the temp file goes when either the copy or its sync fails
  cat -- "$octoi_staged" > "$octoi_temp" && sync -- "$octoi_temp" || { rm -f -- "$octoi_temp"; return 1; }
  octoi_record_owned=$1
  octoi_mode=$3
  octoi_owner=$4
  shift 5
  octoi_install "$octoi_record_owned" "$octoi_mode" "$octoi_owner" "$octoi_temp" "$octoi_target" "$@"
}
# Arguments: the pending record, the restarts that a change makes necessary (one argument, a line
# each), then the command that makes the change: the restarts are recorded before it runs.
octoi_pending_then() {
  octoi_pending_file=$1
  octoi_pending_lines=$2
  shift 2
  (
    IFS=$octoi_nl
    set -f
    # shellcheck disable=SC2086 # split into lines on purpose (IFS is a newline, globbing is off)
    octoi_record "$octoi_pending_file" add $octoi_pending_lines
  ) && "$@"
}
# Arguments: the pending record, then the restarts that the reload makes necessary.
octoi_reload() {
  octoi_pending_file=$1
  shift
  if [ $# -gt 0 ]; then octoi_record "$octoi_pending_file" add "$@" || return; fi
  systemctl daemon-reload
}
# A socket this run enabled that does not start is disabled again: nothing of it acts at the next boot.
octoi_start_new() {
  systemctl start -- "$1" && return 0
  octoi_start_rc=$?
  systemctl disable --no-reload -- "$1" && systemctl daemon-reload && echo "disabled $1 again, as this run had enabled it" >&2
  return "$octoi_start_rc"
}
