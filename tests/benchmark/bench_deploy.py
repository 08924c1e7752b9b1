#!/usr/bin/env python3
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Deployment benchmark on the ten-node sandbox (`make bench-deploy`): the sandbox deployed from
nothing with site.yml, then the no-op site.yml twice. Prints wall times, module invocations per
host in the no-op (on the node and on the controller) and the ten slowest no-op tasks, and writes
the same tables into docs/performance.md between its deploy markers.

Say in the report whether the machine was idle: figures taken under load are not comparable."""

import json
import os
import subprocess
import sys
import time

from performance_doc import load_average, write_section

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(REPO, '.cache', 'bench-deploy')
SITE = ['ansible-playbook', 'site.yml', '-i', 'inventories/ceci', '-i', 'inventories/sandbox']


def run_site(label):
    """One timed site.yml run with the profiling callback; returns its profile."""
    path = os.path.join(OUT, label + '.json')
    env = dict(os.environ, DEPLOY_PROFILE_OUT=path,
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, 'tests', 'benchmark', 'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='ansible.posix.timer,deploy_profile')
    started = time.monotonic()
    with open(os.path.join(OUT, label + '.log'), 'w') as log:
        rc = subprocess.run(SITE, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        sys.exit('site.yml (%s) failed with rc=%d: see %s.log' % (label, rc, os.path.join(OUT, label)))
    with open(path) as handle:
        profile = json.load(handle)
    profile['wall'] = time.monotonic() - started
    return profile


def changed(profile):
    return sum(host['changed'] for host in profile['recap'].values())


def report(first, noops):
    lines = ['| run | wall time | changed | vs first deploy |', '|---|---:|---:|---:|',
             '| first deploy | %.0f s | %d | 1.00 |' % (first['wall'], changed(first))]
    for number, noop in enumerate(noops, 1):
        lines.append('| no-op %d | %.0f s | %d | %.2f |' % (number, noop['wall'], changed(noop),
                                                             noop['wall'] / first['wall']))
    last = noops[-1]
    lines += ['', 'Module invocations per host in no-op %d (tasks and loop items that ran on the node; '
              'controller-side ones apart):' % len(noops), '',
              '| host | groups | on the node | on the controller |', '|---|---|---:|---:|']
    groups = groups_of_hosts()
    for host, count in sorted(last['invocations'].items()):
        lines.append('| %s | %s | %d | %d |' % (host, ', '.join(groups.get(host, [])) or '-',
                                                 count['node'], count['controller']))
    lines += ['', 'The ten slowest tasks of no-op %d:' % len(noops), '', '| task | module | seconds |',
              '|---|---|---:|']
    for task in sorted(last['tasks'], key=lambda t: -t['seconds'])[:10]:
        lines.append('| %s | %s | %.1f |' % (task['name'].replace('|', '/'), task['action'], task['seconds']))
    return '\n'.join(lines)


def groups_of_hosts():
    listing = subprocess.run(['ansible-inventory', '-i', 'inventories/ceci', '-i', 'inventories/sandbox', '--list'],
                             cwd=REPO, capture_output=True, text=True, check=True)
    data = json.loads(listing.stdout)
    result = {}
    for group in ('zookeeper', 'kafka', 'monitoring', 'jupyter'):
        for host in data.get(group, {}).get('hosts', []):
            result.setdefault(host, []).append(group)
    return result


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    load_before = load_average()
    subprocess.run(['tools/sandbox.sh', 'down'], cwd=REPO, check=True)
    subprocess.run(['tools/sandbox.sh', 'nodes'], cwd=REPO, check=True)
    first = run_site('first')
    noops = [run_site('noop1'), run_site('noop2')]
    table = report(first, noops)
    print(table)
    write_section('deploy benchmark', 'By `make bench-deploy`, %d cores; load average before the run: %s.'
                  % (os.cpu_count(), load_before), table)
    print('\nwritten to docs/performance.md; raw profiles in %s' % os.path.relpath(OUT, REPO))
