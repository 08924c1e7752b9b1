#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_cluster_health
short_description: Report whether a Kafka cluster is fully replicated and whether a broker may be stopped
description:
  - Reads the live brokers, the active controller, and the leader, replicas and in-sync replicas
    (ISR) of every partition, together with the C(min.insync.replicas) each topic runs with
    (as the brokers loaded it, not as a file says).
  - Reports the under-replicated partitions (ISR smaller than the replica list) and, when
    O(broker_id) is given, whether that broker can be stopped without any partition falling
    below its C(min.insync.replicas), which would make producers with C(acks=all) fail.
  - This is the gate of a safe rolling restart, the rule of Kafka's own tooling and Strimzi's roller.
    Before a broker, refuse if it is unsafe. After it, wait until it is registered and nothing is
    under-replicated.
  - It never changes anything.
version_added: "1.0.0"
author: kafka-ansible contributors
options:
  broker_id:
    description:
      - The broker about to be stopped or restarted. Enables RV(registered), RV(safe_to_stop) and
        RV(blockers).
    type: int
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - A partition whose replication factor is not larger than its C(min.insync.replicas) (for
    example RF 1) cannot stay writable through the restart of any of its replicas; such
    partitions are listed in RV(unprotected) and do not block RV(safe_to_stop), otherwise a
    cluster with such a topic could never be restarted.
seealso:
  - module: kafka_topic_info
  - module: zookeeper_info
"""

EXAMPLES = r"""
- name: Refuse to restart broker 2 if a partition would fall below min.insync.replicas
  kafka_cluster_health:
    bootstrap_servers: [kafka1:9092, kafka2:9092, kafka3:9092]
    broker_id: 2
  register: health
  failed_when: not health.safe_to_stop

- name: Wait until broker 2 is back and nothing is under-replicated
  kafka_cluster_health:
    bootstrap_servers: [kafka1:9092, kafka2:9092, kafka3:9092]
    broker_id: 2
  register: health
  until: health.registered and health.under_replicated | length == 0
  retries: 60
  delay: 2
"""

RETURN = r"""
brokers:
  description: Ids of the live brokers, as the cluster metadata lists them.
  returned: always
  type: list
  elements: int
  sample: [1, 2, 3]
controller:
  description: Id of the active controller; -1 when there is none.
  returned: always
  type: int
  sample: 2
partitions:
  description: Number of partitions in the cluster (internal topics included).
  returned: always
  type: int
under_replicated:
  description: Partitions whose ISR is smaller than their replica list.
  returned: always
  type: list
  elements: dict
  sample: [{topic: orders, partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 3], min_insync_replicas: 2}]
under_min_isr:
  description: Partitions whose ISR is already smaller than their C(min.insync.replicas); C(acks=all) writes to them fail.
  returned: always
  type: list
  elements: dict
offline:
  description: Partitions without a leader.
  returned: always
  type: list
  elements: dict
registered:
  description: Whether O(broker_id) is among the live brokers.
  returned: when O(broker_id) is given
  type: bool
safe_to_stop:
  description:
    - Whether O(broker_id) may be stopped now, that is, nothing is under-replicated and no
      partition it hosts would fall below its C(min.insync.replicas).
  returned: when O(broker_id) is given
  type: bool
blockers:
  description: Partitions hosted by O(broker_id) that would fall below C(min.insync.replicas) without it.
  returned: when O(broker_id) is given
  type: list
  elements: dict
unprotected:
  description: Partitions hosted by O(broker_id) whose replication factor is not larger than their C(min.insync.replicas).
  returned: when O(broker_id) is given
  type: list
  elements: dict
reason:
  description: Why O(broker_id) may not be stopped, in one sentence; empty when it may.
  returned: when O(broker_id) is given
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    CONNECTION_ARGUMENT_SPEC, CONNECTION_REQUIRED_IF, ConfigResource, KafkaAdmin)

MIN_ISR = 'min.insync.replicas'


def read_state(admin):
    cluster = admin.call('describe_cluster')
    brokers = sorted(b['broker_id'] for b in cluster['brokers'])
    topics = [t for t in admin.call('describe_topics') if not t.get('error_code')]
    names = [t['name'] for t in topics]
    min_isr = {}
    if names:
        loaded = admin.call('describe_configs', [ConfigResource('TOPIC', n, [MIN_ISR]) for n in names],
                            config_filter='all')
        for name, configs in loaded.get('topic', {}).items():
            if MIN_ISR in configs:
                min_isr[name] = int(configs[MIN_ISR]['value'])
    partitions = []
    for topic in topics:
        for p in topic['partitions']:
            partitions.append({
                'topic': topic['name'],
                'partition': p['partition_index'],
                'leader': p['leader_id'],
                'replicas': list(p['replica_nodes']),
                'isr': list(p['isr_nodes']),
                'min_insync_replicas': min_isr.get(topic['name'], 1),
            })
    partitions.sort(key=lambda p: (p['topic'], p['partition']))
    return brokers, cluster.get('controller_id', -1), partitions


def assess(brokers, controller, partitions, broker_id=None):
    """The module's result from the cluster state (pure, for unit tests)."""
    result = {
        'changed': False,
        'brokers': brokers,
        'controller': controller if controller is not None else -1,
        'partitions': len(partitions),
        'under_replicated': [p for p in partitions if len(p['isr']) < len(p['replicas'])],
        'under_min_isr': [p for p in partitions if len(p['isr']) < p['min_insync_replicas']],
        'offline': [p for p in partitions if p['leader'] < 0],
    }
    if broker_id is None:
        return result
    hosted = [p for p in partitions if broker_id in p['replicas']]
    unprotected = [p for p in hosted if len(p['replicas']) <= p['min_insync_replicas']]
    blockers = [p for p in hosted if p not in unprotected
                and len([r for r in p['isr'] if r != broker_id]) < p['min_insync_replicas']]
    reasons = []
    if result['under_replicated']:
        reasons.append('%d partition(s) are under-replicated (first: %s)'
                       % (len(result['under_replicated']), _name(result['under_replicated'][0])))
    if blockers:
        reasons.append('%d partition(s) would fall below min.insync.replicas without broker %d (first: %s)'
                       % (len(blockers), broker_id, _name(blockers[0])))
    result.update({
        'registered': broker_id in brokers,
        'blockers': blockers,
        'unprotected': unprotected,
        'safe_to_stop': not reasons,
        'reason': '; '.join(reasons),
    })
    return result


def _name(p):
    return '%s-%d isr=%s replicas=%s min.insync.replicas=%d' % (
        p['topic'], p['partition'], p['isr'], p['replicas'], p['min_insync_replicas'])


def main():
    argument_spec = dict(broker_id=dict(type='int'))
    argument_spec.update(CONNECTION_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, required_if=CONNECTION_REQUIRED_IF,
                           supports_check_mode=True)
    admin = KafkaAdmin(module)
    try:
        state = read_state(admin)
    except Exception as e:
        module.fail_json(msg='Reading the cluster state failed: %s' % e)
    finally:
        admin.close()
    module.exit_json(**assess(*state, broker_id=module.params['broker_id']))


if __name__ == '__main__':
    main()
