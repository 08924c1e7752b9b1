#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_cluster_status
short_description: Read the state of a Kafka cluster for people, from the cluster itself
description:
  - Reads, over the Kafka admin API, the live brokers and the active controller, every partition's
    leader, replicas and in-sync replicas (ISR), the C(min.insync.replicas) each topic runs with,
    the log directories of every broker with the bytes they hold, and the committed offsets of
    every consumer group against the end of its partitions (the lag).
  - Reports the under-replicated partitions (ISR smaller than the replicas), the offline ones
    (no leader) and those under C(min.insync.replicas) (producers with C(acks=all) are refused),
    leaders and replicas per broker, and a one-screen text summary in RV(report).
  - Works without any monitoring system (it does not read Prometheus). It never changes anything.
version_added: "1.1.0"
author: Kafka Ansible contributors
options:
  log_dirs:
    description: Ask every broker for its log directories and the size of the partitions in them.
    type: bool
    default: true
  consumer_groups:
    description: Read every consumer group's committed offsets and the end offsets of their partitions (the lag).
    type: bool
    default: true
  max_listed:
    description: At most this many partitions are listed per problem in RV(report) (all are in the other results).
    type: int
    default: 10
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - kafka_ansible.cluster.kafka.read_only
  - ansible.builtin.action_common_attributes
seealso:
  - module: kafka_ansible.cluster.kafka_cluster_health
  - module: kafka_ansible.cluster.zookeeper_info
"""

EXAMPLES = r"""
- name: Read the cluster state from the first broker
  kafka_ansible.cluster.kafka_cluster_status:
    bootstrap_servers: [kafka1:9092, kafka2:9092]
  register: status

- name: Print it
  ansible.builtin.debug:
    msg: "{{ status.report }}"

- name: Fail when a partition is offline or under min.insync.replicas
  ansible.builtin.assert:
    that:
      - status.offline | length == 0
      - status.under_min_isr | length == 0
"""

RETURN = r"""
cluster_id:
  description: The cluster id.
  returned: always
  type: str
controller:
  description: Id of the active controller; -1 when there is none.
  returned: always
  type: int
brokers:
  description: The live brokers, by id.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: Broker id., type: int}
    host: {description: Advertised host., type: str}
    port: {description: Advertised port., type: int}
    rack: {description: Rack, if set., type: str}
    controller: {description: Whether it is the active controller., type: bool}
    inter_broker_protocol_version:
      description: The C(inter.broker.protocol.version) the broker runs (its setting, else its release's default).
      type: str
    leaders: {description: Partitions it leads., type: int}
    replicas: {description: Partition replicas it hosts (leaders included)., type: int}
    log_dirs:
      description: Its log directories (with O(log_dirs)).
      type: list
      elements: dict
      contains:
        path: {description: The directory., type: str}
        error: {description: Kafka's error name when the directory is offline; null when it is fine., type: str}
        bytes: {description: Bytes of partition data in it., type: int}
        partitions: {description: Partition replicas in it., type: int}
        disk_used_bytes: {description: Bytes used on its file system (Kafka 3.3+); null if unknown., type: int}
        disk_total_bytes: {description: Size of its file system (Kafka 3.3+); null if unknown., type: int}
  sample: [{"id": 1, "host": "kafka1", "port": 9092, "rack": null, "controller": true, "leaders": 34, "replicas": 102,
            "log_dirs": [{"path": "/var/lib/kafka/data", "error": null, "bytes": 1048576, "partitions": 102,
                          "disk_used_bytes": 191225561088, "disk_total_bytes": 270553174016}]}]
topics:
  description: Number of topics (internal ones included).
  returned: always
  type: int
partitions:
  description: Number of partitions.
  returned: always
  type: int
under_replicated:
  description: Partitions whose ISR is smaller than their replicas.
  returned: always
  type: list
  elements: dict
  sample: [{"topic": "orders", "partition": 0, "leader": 1, "replicas": [1, 2, 3], "isr": [1, 2], "min_isr": 2}]
offline:
  description: Partitions without a leader.
  returned: always
  type: list
  elements: dict
under_min_isr:
  description: Partitions with a leader whose ISR is smaller than the topic's C(min.insync.replicas).
  returned: always
  type: list
  elements: dict
consumer_groups:
  description: Consumer groups with committed offsets (with O(consumer_groups)), by name.
  returned: always
  type: list
  elements: dict
  contains:
    group: {description: Group id., type: str}
    state: {description: Group state (Stable, Empty, ...)., type: str}
    topics: {description: Topics with committed offsets., type: list, elements: str}
    partitions: {description: Partitions with committed offsets., type: int}
    lag: {description: Sum over its partitions of end offset minus committed offset., type: int}
  sample: [{"group": "billing", "state": "Stable", "topics": ["orders"], "partitions": 6, "lag": 42}]
report:
  description: The state above as lines of text for one screen.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_CLUSTER_STATUS_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    KafkaModuleError, connect)

try:
    from kafka.admin import ConfigResource, ConfigResourceType, OffsetSpec
    HAS_KAFKA = True
except ImportError:  # connect() reports the missing library
    ConfigResource = ConfigResourceType = OffsetSpec = None
    HAS_KAFKA = False

MIN_ISR = 'min.insync.replicas'
PROTOCOL = 'inter.broker.protocol.version'


def _get(obj, *names, default=None):
    """A field of a kafka-python result, whether it is a dict, a namedtuple or an object."""
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def read_partitions(admin):
    partitions = []
    for topic in admin.call('describe_topics'):
        if _get(topic, 'error_code', default=0):
            continue
        for p in topic['partitions']:
            partitions.append({'topic': topic['name'], 'partition': p['partition_index'], 'leader': p['leader_id'],
                               'replicas': list(p['replica_nodes']), 'isr': list(p['isr_nodes'])})
    return sorted(partitions, key=lambda p: (p['topic'], p['partition']))


def read_min_isr(admin, topics, brokers=()):
    """min.insync.replicas of every topic as the brokers run it (default included), and the
    inter.broker.protocol.version each live broker runs: ({topic: int}, {broker id: str})."""
    resources = [ConfigResource(ConfigResourceType.TOPIC, name, [MIN_ISR]) for name in topics]
    resources += [ConfigResource(ConfigResourceType.BROKER, str(b), [PROTOCOL]) for b in brokers]
    if not resources:
        return {}, {}
    found, protocols = {}, {}
    described = admin.call('describe_configs', resources, config_filter='all')
    if isinstance(described, dict):
        # kafka-python 3 with config_filter: {'topic'|'broker': {name: {key: {'value': ...}}}}
        entries = [(name, key, entry['value']) for kind in described.values()
                   for name, configs in kind.items() for key, entry in configs.items()]
    else:
        entries = [(_get(resource, 'resource_name'), _get(entry, 'name', 'config_names'), _get(entry, 'value', 'config_value'))
                   for response in described for resource in _get(response, 'resources', default=[]) or []
                   for entry in _get(resource, 'configs', default=[]) or []]
    for name, key, value in entries:
        if key == MIN_ISR:
            found[name] = int(value)
        elif key == PROTOCOL:
            protocols[int(name)] = value
    return found, protocols


def read_log_dirs(admin):
    """{broker id: [{path, error, bytes, partitions}]}."""
    dirs = {}
    for entry in admin.call('describe_log_dirs') or []:
        broker = _get(entry, 'broker', 'node_id', 'broker_id')
        results = _get(entry, 'log_dirs', 'results', default=[]) or []
        for result in results:
            size = count = 0
            for topic in _get(result, 'topics', default=[]) or []:
                for partition in _get(topic, 'partitions', default=[]) or []:
                    size += int(_get(partition, 'partition_size', 'size', default=0) or 0)
                    count += 1
            error = _get(result, 'error', 'error_code', default=None)
            total = _get(result, 'total_bytes', default=-1)
            usable = _get(result, 'usable_bytes', default=-1)
            dirs.setdefault(broker, []).append({
                'path': _get(result, 'log_dir', 'path'),
                'error': None if error in (None, 0, 'NoError', 'NONE') else str(error),
                'bytes': size, 'partitions': count,
                # The file system of the directory (Kafka 3.3+, KIP-827); null when the broker does not say.
                'disk_total_bytes': total if total is not None and total >= 0 else None,
                'disk_used_bytes': total - usable if None not in (total, usable) and min(total, usable) >= 0 else None})
    return dirs


def read_groups(admin):
    groups = []
    for group in admin.call('list_groups') or []:
        group_id = _get(group, 'group_id', 'group', default=group if isinstance(group, str) else None)
        if group_id is None and isinstance(group, (tuple, list)):
            group_id = group[0]
        state = _get(group, 'group_state', 'state', default='')
        groups.append((group_id, state))
    if not groups:
        return []
    committed = admin.call('list_group_offsets', {g: None for g, _ in groups}) or {}
    wanted = {}
    for offsets in committed.values():
        for tp, meta in offsets.items():
            if _get(meta, 'offset', default=meta) is not None and _get(meta, 'offset', default=meta) >= 0:
                wanted[tp] = OffsetSpec.LATEST
    ends = {}
    if wanted:
        for tp, info in (admin.call('list_partition_offsets', wanted) or {}).items():
            ends[tp] = int(_get(info, 'offset', default=info))
    result = []
    for group_id, state in sorted(groups):
        offsets = committed.get(group_id, {})
        lag = 0
        topics = set()
        counted = 0
        for tp, meta in offsets.items():
            offset = _get(meta, 'offset', default=meta)
            if offset is None or offset < 0 or tp not in ends:
                continue
            lag += max(0, ends[tp] - offset)
            topics.add(tp.topic)
            counted += 1
        result.append({'group': group_id, 'state': str(state or ''), 'topics': sorted(topics),
                       'partitions': counted, 'lag': lag})
    return result


def human(size):
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if size < 1024 or unit == 'TiB':
            return ('%d %s' % (size, unit)) if unit == 'B' else ('%.1f %s' % (size, unit))
        size /= 1024.0
    return str(size)


def report(state, max_listed):
    lines = ['Kafka cluster %s: %d brokers, controller %s; %d topics, %d partitions' % (
        state['cluster_id'], len(state['brokers']), state['controller'] if state['controller'] >= 0 else 'NONE',
        state['topics'], state['partitions'])]
    lines.append('%-7s %-26s %8s %9s' % ('broker', 'address', 'leaders', 'replicas'))
    for b in state['brokers']:
        lines.append('%-7s %-26s %8d %9d' % ('%d%s' % (b['id'], ' (C)' if b['controller'] else ''),
                                            '%s:%s' % (b['host'], b['port']), b['leaders'], b['replicas']))
        for d in b.get('log_dirs', []):
            lines.append('  %s: %s of data%s%s' % (
                d['path'], human(d['bytes']),
                ', disk %d%% used of %s' % (100 * d['disk_used_bytes'] // max(1, d['disk_total_bytes']),
                                            human(d['disk_total_bytes'])) if d.get('disk_total_bytes') else '',
                ', OFFLINE (%s)' % d['error'] if d['error'] else ''))
    for key, title in (('offline', 'offline'), ('under_min_isr', 'under min ISR'),
                       ('under_replicated', 'under-replicated')):
        items = state[key]
        lines.append('%s partitions: %d%s' % (title, len(items), ':' if items else ''))
        for p in items[:max_listed]:
            lines.append('  %s-%d leader %s, replicas %s, ISR %s, min ISR %s' % (
                p['topic'], p['partition'], p['leader'], p['replicas'], p['isr'], p['min_isr']))
        if len(items) > max_listed:
            lines.append('  ... and %d more' % (len(items) - max_listed))
    groups = state['consumer_groups']
    lines.append('consumer groups: %d%s' % (len(groups), ':' if groups else ''))
    for g in groups:
        lines.append('  %s (%s): lag %d on %s' % (g['group'], g['state'] or '-', g['lag'], ', '.join(g['topics']) or '-'))
    return [line.rstrip() for line in lines]


def cluster_status(admin, log_dirs=True, consumer_groups=True):
    cluster = admin.call('describe_cluster')
    controller = _get(cluster, 'controller_id')
    controller = controller if controller is not None else -1
    partitions = read_partitions(admin)
    topics = sorted({p['topic'] for p in partitions})
    min_isr, protocols = read_min_isr(admin, topics, [b['broker_id'] for b in cluster['brokers']])
    for p in partitions:
        p['min_isr'] = min_isr.get(p['topic'])
    dirs = read_log_dirs(admin) if log_dirs else {}
    brokers = []
    for b in sorted(cluster['brokers'], key=lambda b: b['broker_id']):
        bid = b['broker_id']
        broker = {'id': bid, 'host': b.get('host'), 'port': b.get('port'), 'rack': b.get('rack'),
                  'controller': bid == controller,
                  'leaders': sum(1 for p in partitions if p['leader'] == bid),
                  'replicas': sum(1 for p in partitions if bid in p['replicas']),
                  'inter_broker_protocol_version': protocols.get(bid)}
        if log_dirs:
            broker['log_dirs'] = sorted(dirs.get(bid, []), key=lambda d: d['path'] or '')
        brokers.append(broker)
    state = {
        'cluster_id': _get(cluster, 'cluster_id'),
        'controller': controller,
        'brokers': brokers,
        'topics': len(topics),
        'partitions': len(partitions),
        'offline': [p for p in partitions if p['leader'] is None or p['leader'] < 0],
        'under_replicated': [p for p in partitions if len(p['isr']) < len(p['replicas'])],
        'under_min_isr': [p for p in partitions if p['leader'] is not None and p['leader'] >= 0
                          and p['min_isr'] is not None and len(p['isr']) < p['min_isr']],
        'consumer_groups': read_groups(admin) if consumer_groups else [],
    }
    return state


def main():
    module = AnsibleModule(**KAFKA_CLUSTER_STATUS_ARGS)
    try:
        admin = connect(module.params)
    except KafkaModuleError as e:
        module.fail_json(msg=e.msg, **e.result)
    try:
        state = cluster_status(admin, module.params['log_dirs'], module.params['consumer_groups'])
    except Exception as e:
        module.fail_json(msg='Reading the cluster state failed: %s' % e)
    finally:
        admin.close()
    state['report'] = report(state, module.params['max_listed'])
    module.exit_json(changed=False, **state)


if __name__ == '__main__':
    main()
