#!/usr/bin/env python3
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Throughput benchmark on the running sandbox (`make bench-throughput`, after `make sandbox`):
Kafka's own perf tools (producer acks=all on an RF 3 topic with min.insync.replicas 2, then the
consumer), first with Kafka's stock values of the settings the role tunes (the broker's own defaults,
as it reports them: the values of the official config/server.properties), then with the role's; the brokers are rolled between the two
through playbooks/kafka.yml (gated, one at a time). Prints MB/s and p99 latency of each and their
ratio, and writes them into docs/performance.md between its throughput markers. The sandbox ends
on the role's settings."""

import os
import re
import statistics
import subprocess
import sys
import time

from performance_doc import load_average, write_section

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.environ.get('KAFKA_ANSIBLE_CACHE') or os.path.expanduser('~/.cache/kafka-ansible')
SSH = ['ssh', '-F', os.path.join(CACHE, 'sandbox', 'ssh_config')]
INVENTORY = ['-i', 'inventories/ceci', '-i', 'inventories/sandbox']
CLIENT = 'public00'   # a node without a broker runs the clients
BOOTSTRAP = 'public01:9092,public02:9092,public03:9092'
TOPIC = 'bench-throughput'
RECORDS, RECORD_SIZE, RUNS = int(os.environ.get('BENCH_RECORDS', 200000)), 1024, 3
# The settings the role tunes, as server.properties keys, and the role variable of each.
TUNED = {'num.network.threads': 'kafka_num_network_threads', 'num.io.threads': 'kafka_num_io_threads',
         'socket.send.buffer.bytes': 'kafka_socket_buffer_bytes'}


def on_node(command, node=CLIENT):
    result = subprocess.run(SSH + [node, command], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit('%s on %s failed (rc=%d): %s' % (command, node, result.returncode, result.stderr[-2000:]))
    return result.stdout


def describe_broker():
    return on_node('kafka-configs --bootstrap-server %s --entity-type brokers --entity-name 1 --describe --all'
                   % BOOTSTRAP)


def stock_values():
    """Kafka's stock values: the DEFAULT_CONFIG synonym of each setting, as the broker reports it."""
    out = describe_broker()
    return {variable: int(re.search(r'DEFAULT_CONFIG:%s=(\d+)' % re.escape(key), out).group(1))
            for key, variable in TUNED.items()}


def roll(extra_vars):
    command = ['ansible-playbook', 'playbooks/kafka.yml'] + INVENTORY
    if extra_vars:
        command += ['-e', ' '.join('%s=%s' % item for item in extra_vars.items())]
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit('rolling the brokers failed:\n' + result.stdout[-4000:])
    return time.monotonic() - started


def loaded(key):
    """The value the brokers run with, from the dynamic config tool's view of broker 1."""
    return re.search(r'^\s*%s=(\S+)' % re.escape(key), describe_broker(), re.M).group(1)


def produce():
    out = on_node('kafka-producer-perf-test --topic %s --num-records %d --record-size %d --throughput -1 '
                  '--producer-props bootstrap.servers=%s acks=all linger.ms=5 batch.size=65536'
                  % (TOPIC, RECORDS, RECORD_SIZE, BOOTSTRAP))
    last = out.strip().splitlines()[-1]
    mb = float(re.search(r'\(([\d.]+) MB/sec\)', last).group(1))
    p99 = float(re.search(r'([\d.]+) ms 99th', last).group(1))
    return mb, p99


def consume():
    out = on_node('kafka-consumer-perf-test --bootstrap-server %s --topic %s --messages %d --timeout 60000'
                  % (BOOTSTRAP, TOPIC, RECORDS))
    header, row = [line for line in out.strip().splitlines() if line.strip()][-2:]
    return float(dict(zip([h.strip() for h in header.split(',')], row.split(',')))['MB.sec'])


def measure(label):
    on_node('kafka-topics --bootstrap-server %s --delete --topic %s --if-exists' % (BOOTSTRAP, TOPIC))
    time.sleep(5)
    on_node('kafka-topics --bootstrap-server %s --create --topic %s --partitions 9 --replication-factor 3 '
            '--config min.insync.replicas=2' % (BOOTSTRAP, TOPIC))
    runs = [produce() for _ in range(RUNS)]
    consumed = [consume() for _ in range(RUNS)]
    result = {'label': label, 'produce_mb': statistics.median(r[0] for r in runs),
              'p99_ms': statistics.median(r[1] for r in runs), 'consume_mb': statistics.median(consumed),
              'threads': '%s network, %s I/O' % (loaded('num.network.threads'), loaded('num.io.threads')),
              'buffers': loaded('socket.send.buffer.bytes')}
    print('%(label)s: produce %(produce_mb).1f MB/s, p99 %(p99_ms).0f ms, consume %(consume_mb).1f MB/s '
          '(%(threads)s threads, socket buffers %(buffers)s)' % result, flush=True)
    return result


def table(stock, role):
    rows = ['| settings | threads | socket buffers | produce MB/s | produce p99 ms | consume MB/s |',
            '|---|---|---:|---:|---:|---:|']
    for r in (stock, role):
        rows.append('| %(label)s | %(threads)s | %(buffers)s | %(produce_mb).1f | %(p99_ms).0f | %(consume_mb).1f |' % r)
    rows.append('| role / stock | | | %.2f | %.2f | %.2f |' % (role['produce_mb'] / stock['produce_mb'],
                                                             role['p99_ms'] / stock['p99_ms'],
                                                             role['consume_mb'] / stock['consume_mb']))
    return '\n'.join(rows)


if __name__ == '__main__':
    load_before = load_average()
    stock_vars = stock_values()
    print('Kafka stock values: %s; rolling the brokers onto them' % stock_vars, flush=True)
    print('roll: %.0f s' % roll(stock_vars), flush=True)
    stock = measure('Kafka stock')
    print('roll back to the role settings: %.0f s' % roll({}), flush=True)
    role = measure('role')
    text = table(stock, role)
    print(text)
    write_section('throughput benchmark',
                  'By `make bench-throughput` on the ten-node sandbox (%d cores for all ten nodes): %d records of %d '
                  'bytes, acks=all, RF 3, min.insync.replicas 2, 9 partitions, median of %d runs; load average before '
                  'the run: %s.' % (os.cpu_count(), RECORDS, RECORD_SIZE, RUNS, load_before), text)
