#!/bin/sh
# Started by `npm start` in a process group of its own. It reads the process ids of the stack's children
# (each in its own group) from stdin: "<pid>" when one started, "-<pid>" when it exited (its id may be
# reused by then). When stdin closes, npm start has ended, however it ended (even SIGKILL), and whatever
# of its stack still runs is stopped, so a crash leaves no emulator behind. A shell, not Node: it waits
# for the whole life of the stack, and a shell does that in 1 MB instead of 45.
groups=' '
while IFS= read -r line; do
  case "$line" in
    -*[!0-9-]* | -) ;;
    -*) groups=$(printf '%s' "$groups" | sed "s/ ${line#-} / /") ;;
    *[!0-9]* | '') ;;
    *) groups="$groups$line " ;;
  esac
done
for group in $groups; do
  kill -9 "-$group" 2>/dev/null
done
exit 0
