#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

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
  - A partition whose replication factor is not larger than its C(min.insync.replicas) (RF 1,
    or RF 2 with C(min.insync.replicas=2)) cannot stay writable through the stop of any of its
    replicas; RF 1 partitions go offline. Such partitions hosted by O(broker_id) are listed in
    RV(unprotected) and make RV(safe_to_stop) false, with a RV(reason) naming them, unless
    O(allow_unprotected=true) accepts that outage.
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
  controller_id:
    description:
      - KRaft mode, a controller (a voter of the metadata quorum) about to be stopped or restarted; it may be the same
        node as O(broker_id) (a combined node).
      - Adds RV(quorum). RV(registered) then also needs a quorum leader and every voter caught up (its last catch-up
        with the leader's log end within 2 s, the quorum's fetch timeout); RV(safe_to_stop) also needs a majority of
        the voters caught up without it.
    type: int
  allow_unprotected:
    description:
      - Accept that the partitions in RV(unprotected) stop taking C(acks=all) writes (or go
        offline, for RF 1) while O(broker_id) is down, so that they do not block RV(safe_to_stop).
      - Without it, a broker that hosts such a partition is never safe to stop; raise the
        replication factor of those topics, or lower their C(min.insync.replicas), instead.
    type: bool
    default: false
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - kafka_ansible.cluster.kafka.read_only
  - ansible.builtin.action_common_attributes
seealso:
  - module: kafka_ansible.cluster.kafka_topic_info
  - module: kafka_ansible.cluster.zookeeper_info
"""

EXAMPLES = r"""
- name: Refuse to restart broker 2 if a partition would fall below min.insync.replicas
  kafka_ansible.cluster.kafka_cluster_health:
    bootstrap_servers: [kafka1:9092, kafka2:9092, kafka3:9092]
    broker_id: 2
  register: health
  failed_when: not health.safe_to_stop

- name: Restart broker 3 even though it hosts RF 1 topics (they are offline meanwhile)
  kafka_ansible.cluster.kafka_cluster_health:
    bootstrap_servers: [kafka1:9092, kafka2:9092, kafka3:9092]
    broker_id: 3
    allow_unprotected: true
  register: health
  failed_when: not health.safe_to_stop

- name: Wait until broker 2 is back and nothing is under-replicated
  kafka_ansible.cluster.kafka_cluster_health:
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
  description:
    - Id of the active controller; -1 when there is none.
    - On KRaft, what the brokers report there is a live broker, not the controller (clients cannot reach the
      controllers); the active controller is RV(quorum.leader).
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
  description:
    - Whether O(broker_id) is among the live brokers; with O(controller_id), also whether the metadata quorum has a leader
      and every voter, that one included, is caught up.
  returned: when O(broker_id) or O(controller_id) is given
  type: bool
quorum:
  description: The KRaft metadata quorum - C(leader) (-1 without one), C(leader_epoch), C(high_watermark) and the C(voters).
  returned: when O(controller_id) is given
  type: dict
  sample: {leader: 101, leader_epoch: 3, high_watermark: 912, voters: [{id: 101, log_end_offset: 912, lag: 0, caught_up: true}]}
safe_to_stop:
  description:
    - Whether O(broker_id) may be stopped now, that is, nothing is under-replicated, no
      partition it hosts would fall below its C(min.insync.replicas), and it hosts no
      RV(unprotected) partition (unless O(allow_unprotected=true)).
  returned: when O(broker_id) or O(controller_id) is given
  type: bool
blockers:
  description: Partitions hosted by O(broker_id) that would fall below C(min.insync.replicas) without it.
  returned: when O(broker_id) is given
  type: list
  elements: dict
unprotected:
  description:
    - Partitions hosted by O(broker_id) whose replication factor is not larger than their
      C(min.insync.replicas); returned whether or not O(allow_unprotected) accepts them.
  returned: when O(broker_id) is given
  type: list
  elements: dict
reason:
  description:
    - Why O(broker_id) may not be stopped, in one sentence naming the partitions concerned;
      empty when it may.
  returned: when O(broker_id) or O(controller_id) is given
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_CLUSTER_HEALTH_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_cluster_state import (
    MIN_ISR, read_configs, read_metadata)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaModuleError, connect
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_health import (
    assess, assess_controller, partition_list, quorum_state)


def main():
    module = AnsibleModule(**KAFKA_CLUSTER_HEALTH_ARGS)
    try:
        admin = connect(module.params)
    except KafkaModuleError as e:
        module.fail_json(msg=e.msg, **e.result)
    controller_id = module.params['controller_id']
    try:
        state = read_metadata(admin)
        # min.insync.replicas as the brokers loaded it, for every topic, in one request
        read_configs(admin, state, sorted(state['topics']), keys=[MIN_ISR])
        quorum = quorum_state(admin.call('describe_metadata_quorum')) if controller_id is not None else None
    except Exception as e:
        module.fail_json(msg='Reading the cluster state failed: %s' % e)
    finally:
        admin.close()
    result = assess(state['brokers'], state['controller'], partition_list(state),
                    broker_id=module.params['broker_id'], allow_unprotected=module.params['allow_unprotected'])
    module.exit_json(**(assess_controller(result, quorum, controller_id) if quorum else result))


if __name__ == '__main__':
    main()
