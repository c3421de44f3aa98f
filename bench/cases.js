// The cases of bench/run.js. Each case is { name, ours, theirs }: `ours` is the first command, the one
// every ratio is taken against. ctx: { ps(...args) -> argv, node (the Node that runs portscope), farmPort, devPort }.

/**
 * The floor under a case, timed in the same run: Node's start (`node -e 0`), portscope's own start
 * (`--version`: Node plus the CLI bundle) and `args` in a network namespace of its own with no socket
 * (`unshare -n`, made for that one command, so that no other command sees one more namespace): the same
 * command's fixed cost (verb code, addon, namespaces, the kernel's walk of the TCP hash that every
 * namespace shares) with nothing to print or own. `peer`: the peer tool run the same way.
 */
function floorRows({ ps, node }, args, peer) {
  return [
    [node, '-e', '0'],
    // Node 20 reads and parses NODE_EXTRA_CA_CERTS's file as it starts (~30 ms here; nodejs/node#40524; Node 24
    // does not): when the environment sets it, Node's start without it, for the floor a default machine has.
    ...withoutExtraCa([node, '-e', '0']),
    ps('--version'),
    // Making the namespace (10-40 ms here) is in the next row's time: this row says how much.
    ['unshare', '-n', 'true'],
    ['unshare', '-n', ...ps(...args, '--netns', 'host')],
    ...(peer === undefined ? [] : [['unshare', '-n', ...peer]]),
  ];
}

/** Whether the environment sets NODE_EXTRA_CA_CERTS (which Node 20 reads at its start, before any code). */
export const extraCaSet = () => (process.env.NODE_EXTRA_CA_CERTS ?? '') !== '';

/** `argv` run without NODE_EXTRA_CA_CERTS, as one row, when the environment sets it; else no row. */
function withoutExtraCa(argv) {
  return extraCaSet() ? [['env', '-u', 'NODE_EXTRA_CA_CERTS', ...argv]] : [];
}

/** The 100k suite: listings with and without owners, an audit, and `who` on a farm port and a dev server. */
export function baseCases(ctx) {
  const { ps, farmPort, devPort } = ctx;
  return [
    {
      name: 'all TCP with owners',
      ours: ps('ls', '-tanp'),
      theirs: [
        ['ss', '-tanp'],
        ['lsof', '-nP', '-iTCP'],
        ['env', 'PORTSCOPE_BACKEND=procfs', ...ps('ls', '-tanp')],
        ['env', 'PORTSCOPE_BPF=0', ...ps('ls', '-tanp')],
        // The Socket object path that the columnar listing with owners replaces, in the same run.
        ['env', 'PORTSCOPE_COLUMNAR=0', ...ps('ls', '-tanp')],
        ...withoutExtraCa(ps('ls', '-tanp')),
      ],
    },
    {
      name: 'TCP listeners with owners',
      ours: ps('ls', '-tlnp'),
      theirs: [
        ['ss', '-tlnp'],
        ['env', 'PORTSCOPE_COLUMNAR=0', ...ps('ls', '-tlnp')],
      ],
    },
    {
      // `portscope audit` as users run it (every namespace, listeners x interfaces x firewall verdicts,
      // findings) against what a person runs to answer the same by hand: the listeners, then the ruleset.
      name: 'audit of the listeners',
      ours: ps('audit', '--json'),
      theirs: [['sh', '-c', 'ss -tlnp > /dev/null && nft list ruleset > /dev/null']],
    },
    {
      name: 'all TCP without owners',
      ours: ps('ls', '-tan'),
      theirs: [
        ['ss', '-tan'],
        ['env', 'PORTSCOPE_BACKEND=procfs', ...ps('ls', '-tan')],
        // The Socket object path that the columnar listing replaces (ls-columnar.ts), in the same run.
        ['env', 'PORTSCOPE_COLUMNAR=0', ...ps('ls', '-tan')],
        ...withoutExtraCa(ps('ls', '-tan')),
        ...floorRows(ctx, ['ls', '-tan'], ['ss', '-tan']),
      ],
    },
    {
      // Owners in JSON (columns-json.ts, json-row-text.ts) against the same listing as a table and on the
      // Socket object path, in the same run.
      name: 'all TCP with owners, JSON',
      ours: ps('ls', '-tanp', '--json'),
      theirs: [ps('ls', '-tanp'), ['env', 'PORTSCOPE_COLUMNAR=0', ...ps('ls', '-tanp', '--json')]],
    },
    {
      // Printed from columns (ls-columnar.ts, columns-json.ts) against the Socket object path, in the same run.
      name: 'all TCP without owners, JSON',
      ours: ps('ls', '-tan', '--json'),
      theirs: [['env', 'PORTSCOPE_COLUMNAR=0', ...ps('ls', '-tan', '--json')]],
    },
    // The port of one farm listener: the listener plus its accepted connections, held by one process with
    // ~17-20k fds, the worst case for a walk that stops once every socket has an owner.
    {
      name: 'owner of one port',
      ours: ps('who', `${farmPort}/tcp`),
      theirs: [
        ['fuser', '-n', 'tcp', farmPort],
        ['lsof', '-nP', `-iTCP:${farmPort}`],
        ...withoutExtraCa(ps('who', `${farmPort}/tcp`)),
        ...floorRows(ctx, ['who', `${farmPort}/tcp`]),
      ],
    },
    {
      name: 'owner of one port (a dev server)',
      ours: ps('who', `${devPort}/tcp`),
      theirs: [
        ['fuser', '-n', 'tcp', devPort],
        ['lsof', '-nP', `-iTCP:${devPort}`],
        ...withoutExtraCa(ps('who', `${devPort}/tcp`)),
        ...floorRows(ctx, ['who', `${devPort}/tcp`]),
      ],
    },
  ];
}

/** The 1M suite (`ss -tanp` left out: over 600 s at this scale). */
export function millionCases(ctx) {
  const { ps, devPort } = ctx;
  return [
    {
      name: '1M: all TCP without owners',
      ours: ps('ls', '-tan'),
      theirs: [['ss', '-tan'], ...floorRows(ctx, ['ls', '-tan'], ['ss', '-tan'])],
    },
    {
      name: '1M: all TCP with owners',
      ours: ps('ls', '-tanp'),
      theirs: [
        ['lsof', '-nP', '-iTCP'],
        ['env', 'PORTSCOPE_BPF=0', ...ps('ls', '-tanp')],
        ['env', 'PORTSCOPE_COLUMNAR=0', ...ps('ls', '-tanp')],
      ],
    },
    { name: '1M: all TCP with owners, JSON', ours: ps('ls', '-tanp', '--json'), theirs: [] },
    {
      name: '1M: all TCP without owners, JSON',
      ours: ps('ls', '-tan', '--json'),
      theirs: [['env', 'PORTSCOPE_COLUMNAR=0', ...ps('ls', '-tan', '--json')]],
    },
    {
      name: '1M: owner of one port (a dev server)',
      ours: ps('who', `${devPort}/tcp`),
      theirs: [['fuser', '-n', 'tcp', devPort], ...floorRows(ctx, ['who', `${devPort}/tcp`])],
    },
  ];
}

/**
 * Every namespace (the default) against `--netns host`, the host's time first: the target is <= 1.2x. Every
 * namespace is timed twice: as chosen (the one BPF pass over all of them, as root) and with PORTSCOPE_BPF=0
 * (one sock_diag dump per namespace, as before it), in the same run.
 */
export function namespaceCases({ ps, devPort }, count) {
  const pair = (name, ...args) => ({
    name: `${String(count)} netns: ${name}`,
    ours: ps(...args, '--netns', 'host'),
    theirs: [ps(...args), ['env', 'PORTSCOPE_BPF=0', ...ps(...args)]],
  });
  return [
    pair('all TCP without owners', 'ls', '-tan'),
    pair('all TCP with owners', 'ls', '-tanp'),
    pair('owner of one port (a dev server)', 'who', `${devPort}/tcp`),
  ];
}

/**
 * Without root: this build against an earlier one (`baseBin`, e.g. a worktree of the commit before issue 15's
 * work, built with `npm ci && npm run build`), both run as `user` (runuser; both checkouts must be readable by
 * that user), ours first. Owners of other users' processes are unknown to both, as to `ss -p` without root.
 */
export function nonRootCases({ bin, node, devPort, farmPort }, baseBin, user) {
  const as = (cli, args) => ['runuser', '-u', user, '--', node, cli, ...args];
  const pair = (name, ...args) => ({ name: `as ${user}: ${name}`, ours: as(bin, args), theirs: [as(baseBin, args)] });
  return [
    pair('all TCP without owners', 'ls', '-tan'),
    pair('all TCP with owners', 'ls', '-tanp'),
    pair('all TCP with owners, JSON', 'ls', '-tanp', '--json'),
    pair('TCP listeners with owners', 'ls', '-tlnp'),
    pair('owner of one port (farm port)', 'who', `${farmPort}/tcp`),
    pair('owner of one port (a dev server)', 'who', `${devPort}/tcp`),
  ];
}
