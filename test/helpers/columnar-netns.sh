#!/bin/sh
# Run by ls-columnar-json-netns.test.ts under `unshare --mount --net --pid --fork --mount-proc`: a world of
# exactly two network namespaces (this one, and `one` with the columnar fixture's sockets) and three processes,
# so that `ls --netns all` lists the same thing each time. Usage: columnar-netns.sh FIXTURE ROOT.
# Prints what printColumnarListing printed and its row count, then the CLI's output on the object path
# (PORTSCOPE_COLUMNAR=0) and its exit code, each section after a line `@@@`.
set -e
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Other namespaces pinned on the host stay in this mount namespace's mountinfo: unmount them here.
grep ' - nsfs ' /proc/self/mountinfo | cut -d' ' -f5 | sort -r | while read -r m; do umount -l "$m"; done
mount -t tmpfs tmpfs /run/netns
ip netns add one
ip -n one link set lo up
mkfifo "$work/in"
timeout 30 python3 "$1" /run/netns/one < "$work/in" > "$work/ready" &
exec 3> "$work/in"
i=0
until [ -s "$work/ready" ] || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
timeout 30 node --input-type=module -e '
  const root = process.argv[1];
  const { printColumnarListing } = await import(`${root}/dist/cli/commands/ls-columnar.js`);
  const { parseFilter } = await import(`${root}/dist/index.js`);
  let out = "";
  const io = { stdout: { write: (s) => (out += s) }, stderr: { write: () => true }, isTTY: false, env: {} };
  const options = { protocols: ["tcp"], filter: parseFilter(""), owners: false, details: true, netns: "all" };
  const view = { format: "json", fields: [], header: true, style: { numeric: true }, details: [] };
  const rows = await printColumnarListing(options, view, { needsObjects: false }, io);
  process.stdout.write(`@@@\n${out}@@@\n${String(rows)}\n`);
' "$2"
status=0
PORTSCOPE_COLUMNAR=0 timeout 30 node "$2/bin/portscope.js" ls -tan --json > "$work/objects" || status=$?
echo '@@@'
cat "$work/objects"
echo "@@@"
echo "$status"
exec 3>&-
wait
