#!/usr/bin/env python3
"""Benchmark (not a test): reconcile N topics with kafka_topics versus a kafka-topics.sh loop.

    KAFKA_BOOTSTRAP_SERVERS=host:9092 python tests/benchmark/bench_topics.py

Environment:
  KAFKA_BOOTSTRAP_SERVERS  brokers of a real (3-broker) cluster, required
  KAFKA_TOPICS_SH          path to kafka-topics.sh (default /opt/kafka/bin/kafka-topics.sh);
                           kafka-configs.sh is taken from the same directory
  BENCH_TOPICS             topics to reconcile (default 1000)
  BENCH_CHANGED            topics changed in the third phase (default 100)
  BENCH_CLI_SAMPLE         topics the CLI loop is timed on (default 50)

Our side runs kafka_topics through ansible-playbook, wall clock included (Ansible start-up,
one connection, batched requests). The CLI side does what shell-out roles do for every
declared topic: `kafka-topics.sh --describe`, then `--create` when missing, or
`kafka-configs.sh --alter` when a config differs; each is a JVM start. It is timed on a
sample and scaled per topic. All topics use partitions=1, replication factor 3, and are
deleted at the end.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from kafka.admin import KafkaAdminClient

# The checkout is the collection kafka_ansible.cluster, linked under collections/.
COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'collections'))
# The ansible-playbook of this Python environment (it must import kafka-python), else PATH's.
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
if not os.path.exists(PLAYBOOK):
    PLAYBOOK = shutil.which('ansible-playbook') or 'ansible-playbook'
RETENTION = 86400000


def run_module(bootstrap, args, workdir):
    """Run kafka_topics once through ansible-playbook; return (seconds, task result)."""
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'tasks': [{'kafka_ansible.cluster.kafka_topics': dict(args, bootstrap_servers=bootstrap)}]}]
    path = os.path.join(workdir, 'bench.json')
    with open(path, 'w') as f:
        json.dump(play, f)
    env = dict(os.environ,
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
               ANSIBLE_STDOUT_CALLBACK='json',
               ANSIBLE_LOCALHOST_WARNING='false')
    cmd = [PLAYBOOK, '-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=' + sys.executable, path]
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    # the JSON document comes first; callbacks enabled in ansible.cfg may print after it
    result = json.JSONDecoder().raw_decode(proc.stdout.lstrip())[0]['plays'][0]['tasks'][0]['hosts']['localhost']
    if result.get('failed'):
        sys.exit('kafka_topics failed: %s' % result.get('msg'))
    return elapsed, result


def topics(names, retention):
    return [{'name': n, 'partitions': 1, 'replication_factor': 3, 'configs': {'retention.ms': retention}}
            for n in names]


def timed(cmd):
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return time.monotonic() - start, proc


def cli_loop(bootstrap, topics_sh, names, retention):
    """One pass of the per-topic shell-out loop; returns {step: [seconds per call]}."""
    configs_sh = os.path.join(os.path.dirname(topics_sh), 'kafka-configs.sh')
    times = {'describe': [], 'create': [], 'alter': []}
    for name in names:
        seconds, proc = timed([topics_sh, '--bootstrap-server', bootstrap, '--describe', '--topic', name])
        times['describe'].append(seconds)
        if proc.returncode != 0 or name not in proc.stdout:
            seconds, proc = timed([topics_sh, '--bootstrap-server', bootstrap, '--create', '--topic', name,
                                   '--partitions', '1', '--replication-factor', '3',
                                   '--config', 'retention.ms=%d' % retention])
            times['create'].append(seconds)
        elif 'retention.ms=%d' % retention not in proc.stdout:
            seconds, proc = timed([configs_sh, '--bootstrap-server', bootstrap, '--alter', '--entity-type', 'topics',
                                   '--entity-name', name, '--add-config', 'retention.ms=%d' % retention])
            times['alter'].append(seconds)
        if proc.returncode != 0:
            sys.exit('%s failed: %s' % (proc.args, proc.stderr))
    return times


def main():
    bootstrap = os.environ.get('KAFKA_BOOTSTRAP_SERVERS')
    if not bootstrap:
        sys.exit('KAFKA_BOOTSTRAP_SERVERS is not set')
    topics_sh = os.environ.get('KAFKA_TOPICS_SH', '/opt/kafka/bin/kafka-topics.sh')
    count = int(os.environ.get('BENCH_TOPICS', 1000))
    changed = int(os.environ.get('BENCH_CHANGED', 100))
    sample = int(os.environ.get('BENCH_CLI_SAMPLE', 50))
    first_server = bootstrap.split(',')[0]

    prefix = 'bench-%s.' % uuid.uuid4().hex[:6]
    names = ['%st%05d' % (prefix, i) for i in range(count)]
    cli_names = ['%scli%03d' % (prefix, i) for i in range(sample)]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(','))
    brokers = len(admin.describe_cluster()['brokers'])
    ours = {}
    try:
        with tempfile.TemporaryDirectory() as workdir:
            print('kafka_topics: first apply of %d topics ...' % count, file=sys.stderr)
            ours['first'], result = run_module(bootstrap, {'topics': topics(names, RETENTION)}, workdir)
            assert len(result['changes']) == count
            print('kafka_topics: no-op re-apply ...', file=sys.stderr)
            ours['noop'], result = run_module(bootstrap, {'topics': topics(names, RETENTION)}, workdir)
            assert result['changed'] is False, 'the re-apply was not a no-op'
            print('kafka_topics: change %d topics ...' % changed, file=sys.stderr)
            wanted = topics(names[:changed], RETENTION * 2) + topics(names[changed:], RETENTION)
            ours['change'], result = run_module(bootstrap, {'topics': wanted}, workdir)
            assert len(result['changes']) == changed

            print('kafka-topics.sh loop on %d topics (3 passes) ...' % sample, file=sys.stderr)
            first = cli_loop(first_server, topics_sh, cli_names, RETENTION)
            noop = cli_loop(first_server, topics_sh, cli_names, RETENTION)
            change = cli_loop(first_server, topics_sh, cli_names, RETENTION * 2)
            assert len(first['create']) == len(change['alter']) == sample and not noop['create'] + noop['alter']

            print('kafka_topics: deleting the topics (prune) ...', file=sys.stderr)
            ours['delete'], result = run_module(bootstrap, {'topics': [], 'prune': True, 'prune_prefix': prefix,
                                                            'prune_max_deletions': count + sample}, workdir)
    finally:
        leftovers = [t for t in admin.list_topics() if t.startswith(prefix)]
        if leftovers:
            admin.delete_topics(leftovers)
        admin.close()

    describe = statistics.mean(first['describe'] + noop['describe'] + change['describe'])
    cli = {
        'first': count * (describe + statistics.mean(first['create'])),
        'noop': count * describe,
        'change': count * describe + changed * statistics.mean(change['alter']),
    }
    rows = [('first apply (%d topics created)' % count, 'first'),
            ('no-op re-apply', 'noop'),
            ('change %d of %d topics' % (changed, count), 'change')]
    print()
    print('Reconcile of %d topics (partitions=1, replication factor 3) on %d brokers' % (count, brokers))
    print()
    print('| %-34s | %24s | %22s | %8s |' % ('phase', 'kafka_topics via Ansible', 'kafka-topics.sh loop*', 'ratio'))
    print('|%s|%s|%s|%s|' % ('-' * 36, '-' * 26, '-' * 24, '-' * 10))
    for label, key in rows:
        print('| %-34s | %22.1f s | %20.0f s | %7.0fx |' % (label, ours[key], cli[key], cli[key] / ours[key]))
    print()
    print('Deleting the %d topics with kafka_topics (prune): %.1f s' % (count, ours['delete']))
    print('* kafka-topics.sh loop timed on a sample of %d topics and scaled per topic: mean JVM calls of '
          'describe %.2f s, create %.2f s, alter %.2f s (kafka-configs.sh);' % (
              sample, describe, statistics.mean(first['create']), statistics.mean(change['alter'])))
    print('  first = %d x (describe + create), no-op = %d x describe, change = %d x describe + %d x alter.'
          % (count, count, count, changed))


if __name__ == '__main__':
    main()
