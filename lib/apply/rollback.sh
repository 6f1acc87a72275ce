# shellcheck shell=sh
# The script in a run's journal, after probe.sh and install.sh: its steps put back what the run
# changed, then octoi_rollback_end ends it. Its argument: `timer` when the dead-man switch runs
# it, which first takes octoi's lock and does nothing if the run meanwhile confirmed or another
# run took over (the journal is gone then).
# Set before this file: the run, its journal, octoi's lock folder and lock file, the pending
# record; by probe.sh, the mark in the names of octoi's temp files.
: "${octoi_run_token:?}" "${octoi_journal:?}" "${octoi_lock_directory:?}" "${octoi_lock_file:?}" "${octoi_pending_record:?}" "${octoi_temp_mark:?}"
octoi_trigger=$1
if [ "$octoi_trigger" = timer ]; then
  # shellcheck disable=SC2174 # only octoi's lock folder is new: its parent is the system's
  mkdir -p -m 0700 -- "$octoi_lock_directory" && exec 9>>"$octoi_lock_file" && flock -x 9 || exit 1
  [ -d "$octoi_journal" ] || exit 0
fi
octoi_rollback_failed=
octoi_try() { "$@" || { octoi_rollback_failed=1; echo "rollback: $* failed" >&2; }; }
# Arguments: the saved copy, its mode and owner, the file to put it back as (through a new temp file, renamed).
octoi_restore() {
  octoi_temp=$(mktemp -- "${4%/*}/.${4##*/}$octoi_temp_mark.XXXXXXXX") || return
  # shellcheck disable=SC2015 # the temp file goes when any of the steps before the rename fails
  cat -- "$1" > "$octoi_temp" && chmod -- "$2" "$octoi_temp" && chown -- "$3" "$octoi_temp" && mv -f -T -- "$octoi_temp" "$4" || { rm -f -- "$octoi_temp"; return 1; }
}
# Arguments: a record and its copy in the journal; without a copy there was no record.
octoi_restore_record() {
  if [ -f "$2" ]; then octoi_try octoi_restore "$2" 0600 root:root "$1"; else rm -f -- "$1"; fi
}
# A folder the run created goes if it is empty; one it removed comes back.
octoi_unmake_folder() { [ ! -d "$1" ] || rmdir -- "$1" 2>/dev/null || true; }
octoi_remake_folder() { [ -d "$1" ] || octoi_try mkdir -m 0755 -- "$1"; }
# A socket that was not active before the run: stopped and its failure forgotten, which may find nothing to do.
octoi_stop_socket() {
  systemctl stop -- "$1" 2>/dev/null
  systemctl reset-failed -- "$1" 2>/dev/null
}
# After the steps: a rollback by the switch leaves a note for the next run; the journal goes; the
# script fails if any step did.
octoi_rollback_end() {
  if [ "$octoi_trigger" = timer ]; then octoi_record "$octoi_pending_record" add "rolled-back $octoi_run_token $(date +%s)"; fi
  rm -rf -- "$octoi_journal"
  [ -z "$octoi_rollback_failed" ]
}
