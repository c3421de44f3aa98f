#!/usr/bin/env python3
"""CPU time (user + system, from the child's rusage) of short CLI runs, alternating between builds.

    python3 bench/startup.py [--runs 20] [--build NAME=PATH/bin/portscope.js ...] [--case 'ARGS' ...]

Each round runs every case once with every build, in turn, so that a change of load falls on all of them
alike; prints the median CPU ms of each (case, build) and the ratio to the first build, and the load
average before and after. `node -e 0` is always measured as the floor. stdout and stderr go to /dev/null.
Default builds: this checkout's bin/portscope.js; default cases: the start-up cases of docs/performance.md.
"""
import argparse
import os
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ['--version', 'who 22', 'ls -tan', 'scan 127.0.0.1 -p 1-100', 'nc -h']


def cpu_ms(argv):
    """Runs argv to the end and returns its user + system CPU time in ms (os.wait4's rusage)."""
    with open(os.devnull, 'wb') as null:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=null, stderr=null)
        _, _, usage = os.wait4(child.pid, 0)
        child.returncode = 0
    return (usage.ru_utime + usage.ru_stime) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--build', action='append', default=[], help='NAME=path/to/bin/portscope.js')
    parser.add_argument('--case', action='append', default=[], help="arguments, split on spaces: 'who 22'")
    args = parser.parse_args()
    builds = [b.split('=', 1) for b in args.build] or [['this', os.path.join(HERE, '..', 'bin', 'portscope.js')]]
    cases = args.case or CASES
    runs = [('node -e 0', None, ['node', '-e', '0'])]
    runs += [(case, name, ['node', path, *case.split()]) for case in cases for name, path in builds]
    times = {(case, name): [] for case, name, _ in runs}
    print('load average before:', ' '.join(f'{x:.2f}' for x in os.getloadavg()))
    for _ in range(args.runs):
        for case, name, argv in runs:
            times[(case, name)].append(cpu_ms(argv))
    print('load average after: ', ' '.join(f'{x:.2f}' for x in os.getloadavg()))
    first = {}
    for (case, name), values in times.items():
        median = statistics.median(values)
        first.setdefault(case, median)
        ratio = '' if name is None else f'  {median / first[case]:.2f}x {builds[0][0]}'
        print(f'{case:28} {name or "":8} median {median:6.0f} ms CPU (min {min(values):.0f}){ratio}')


if __name__ == '__main__':
    main()
