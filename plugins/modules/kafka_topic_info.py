#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_topic_info
short_description: Describe Kafka topics
description:
  - Returns the partitions, leaders, replicas, in-sync replicas, ongoing reassignments,
    replication factor and the topic's own config overrides of Kafka topics.
  - Reads the cluster in four batched requests, whatever the number of topics.
version_added: "1.0.0"
author: kafka-ansible contributors
options:
  names:
    description:
      - Only these topics. Topics that do not exist are left out of the result.
      - When omitted, all topics (see O(include_internal)).
    type: list
    elements: str
  pattern:
    description: Only topics whose whole name matches this Python regular expression.
    type: str
  include_internal:
    description: Include internal topics (such as C(__consumer_offsets)) when O(names) is not given.
    type: bool
    default: false
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - kafka_ansible.cluster.kafka.read_only
  - ansible.builtin.action_common_attributes
seealso:
  - module: kafka_ansible.cluster.kafka_topics
"""

EXAMPLES = r"""
- name: Describe the application topics
  kafka_ansible.cluster.kafka_topic_info:
    bootstrap_servers: kafka1:9092
    pattern: 'app\..*'
  register: app_topics

- name: Check that orders is fully replicated
  ansible.builtin.assert:
    that:
      - app_topics.topics['app.orders'].replication_factor == 3
      - app_topics.topics['app.orders'].partition_details | map(attribute='isr') | map('length') | min == 3
"""

RETURN = r"""
brokers:
  description: Ids of the live brokers.
  returned: always
  type: list
  elements: int
  sample: [1, 2, 3]
topics:
  description: The selected topics by name.
  returned: always
  type: dict
  sample:
    orders:
      internal: false
      partitions: 1
      replication_factor: 3
      configs: {retention.ms: "604800000"}
      partition_details:
        - {partition: 0, leader: 2, replicas: [2, 3, 1], isr: [2, 3, 1], adding_replicas: [], removing_replicas: []}
  contains:
    internal:
      description: Whether the module treats the topic as internal (never deleted).
      type: bool
    partitions:
      description: Number of partitions.
      type: int
    replication_factor:
      description: Replicas per partition, not counting replicas an ongoing reassignment removes.
      type: int
    configs:
      description: The topic's own config overrides (not broker defaults).
      type: dict
    partition_details:
      description: Leader, replicas, ISR and ongoing reassignment of each partition.
      type: list
      elements: dict
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_TOPIC_INFO_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_cluster_state import read_configs, read_metadata
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaModuleError, connect
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import is_internal, target_replicas


def topic_view(state, names=None, pattern=None, include_internal=False):
    """What the module returns for the selected topics of ``state``: {name: details}."""
    regex = re.compile(pattern) if pattern else None
    result = {}
    for name in sorted(state['topics']):
        topic = state['topics'][name]
        internal = is_internal(name, topic.get('internal', False))
        if names and name not in names:
            continue
        if regex and not regex.fullmatch(name):
            continue
        if internal and not include_internal and not names:
            continue
        moving = state['reassigning'].get(name, {})
        replicas = target_replicas(state, name)
        details = []
        for index in sorted(topic['partitions']):
            part = topic['partitions'][index]
            details.append({
                'partition': index,
                'leader': part['leader'],
                'replicas': part['replicas'],
                'isr': part['isr'],
                'adding_replicas': moving.get(index, {}).get('adding', []),
                'removing_replicas': moving.get(index, {}).get('removing', []),
            })
        result[name] = {
            'internal': internal,
            'partitions': len(details),
            'replication_factor': min(len(r) for r in replicas.values()) if replicas else 0,
            'configs': state['overrides'].get(name, {}),
            'partition_details': details,
        }
    return result


def main():
    module = AnsibleModule(**KAFKA_TOPIC_INFO_ARGS)
    params = module.params
    try:
        re.compile(params['pattern'] or '')
    except re.error as e:
        module.fail_json(msg='pattern %r is not a valid regular expression: %s' % (params['pattern'], e))

    select = (params['names'], params['pattern'], params['include_internal'])
    try:
        admin = connect(params)
    except KafkaModuleError as e:
        module.fail_json(msg=e.msg, **e.result)
    try:
        state = read_metadata(admin)
        read_configs(admin, state, list(topic_view(state, *select)))
    except Exception as e:
        module.fail_json(msg='Describing topics failed: %s' % e)
    finally:
        admin.close()
    module.exit_json(changed=False, brokers=state['brokers'], topics=topic_view(state, *select))


if __name__ == '__main__':
    main()
