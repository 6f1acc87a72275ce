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
  if [ -n "$octoi_failed" ]; then octoi_marker step "$1" skipped; return 0; fi
  octoi_marker step "$1" begin
  octoi_outcome step "$@"
}
# Runs a command and prints its outcome as a `KIND N ok` or `KIND N failed CODE HEX` marker line;
# a failure skips every step after it. Arguments: the marker's kind, the action's number, the command.
octoi_outcome() {
  octoi_outcome_kind=$1
  octoi_n=$2
  shift 2
  if octoi_err=$("$@" 2>&1 >/dev/null); then
    octoi_marker "$octoi_outcome_kind" "$octoi_n" ok
  else
    octoi_rc=$?
    octoi_failed=1
    octoi_marker "$octoi_outcome_kind" "$octoi_n" failed "$octoi_rc" "$(octoi_hex "$octoi_err")"
  fi
}
# Arguments: a record file, add or drop, then whole lines (add keeps each line once).
octoi_record() {
  octoi_record_file=$1
  octoi_record_op=$2
  shift 2
  # shellcheck disable=SC2174 # only octoi's state folder is new: its parents are the system's
  [ -d "${octoi_record_file%/*}" ] || mkdir -p -m 0700 -- "${octoi_record_file%/*}" || return
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
# Each record line comes hex-encoded from octoi (`dir HEX`, `file HEX`, `group HEX`).
# Arguments: the owned record, the folder, its record line.
octoi_mkdir() { octoi_record "$1" add "$3" && mkdir -m 0755 -- "$2"; }
octoi_rmdir() { rmdir -- "$2" && octoi_record "$1" drop "$3"; }
octoi_remove() { rm -f -- "$2" && octoi_record "$1" drop "$3"; }
octoi_groupadd() { octoi_record "$1" add "$3" && groupadd --system -- "$2"; }
octoi_groupdel() { groupdel -- "$2" && octoi_record "$1" drop "$3"; }
# Creates this run's temp file of an upload, new (O_EXCL: nothing already there is opened, a link
# least of all) and 0600, from the base64 on stdin; a write that fails (a full disk) removes it.
# Arguments: the temp file, then every temp file of the run to fsync once this last one is written.
octoi_receive() {
  octoi_temp=$1
  shift
  if [ -e "$octoi_temp" ] || [ -L "$octoi_temp" ]; then printf '%s exists\n' "$octoi_temp" >&2; return 1; fi
  (set -C; umask 077; : > "$octoi_temp") || return
  base64 -d > "$octoi_temp" || { rm -f -- "$octoi_temp"; return 1; }
  if [ $# -gt 0 ]; then sync -- "$@"; fi
}
# An upload's step: as octoi_step, with `upload` markers; nothing is written after a failure.
# Arguments: the action's number, then octoi_receive's.
octoi_upload() {
  [ -z "$octoi_failed" ] || return 0
  octoi_upload_n=$1
  shift
  octoi_outcome upload "$octoi_upload_n" octoi_receive "$@"
}
# The owner is set before the mode, both before the rename, so a secret is never readable by
# others; a file root creates is root's already, unless its folder hands down its group (setgid).
# Arguments: the mode, the owner, this run's temp file, the target, then folders to fsync.
octoi_install() {
  if [ "$2" != root:root ] || [ -g "${4%/*}" ]; then chown -- "$2" "$3" || return; fi
  chmod -- "$1" "$3" && mv -f -T -- "$3" "$4" || return
  shift 4
  if [ $# -gt 0 ]; then sync -- "$@"; fi
}
# Arguments: a record, lines to add to it (one argument, a line each), then the command that makes
# the change they record: the lines are recorded before it runs.
octoi_record_then() {
  octoi_then_file=$1
  octoi_then_lines=$2
  shift 2
  (
    IFS=$octoi_nl
    set -f
    # shellcheck disable=SC2086 # split into lines on purpose (IFS is a newline, globbing is off)
    octoi_record "$octoi_then_file" add $octoi_then_lines
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
