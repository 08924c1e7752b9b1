#!/usr/bin/python
# -*- coding: utf-8 -*-

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
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: kafka_topics
"""

EXAMPLES = r"""
- name: Describe the application topics
  kafka_topic_info:
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
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import CONNECTION_ARGUMENT_SPEC, CONNECTION_REQUIRED_IF, KafkaAdmin
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import read_configs, read_metadata
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import describe


def main():
    argument_spec = dict(
        names=dict(type='list', elements='str'),
        pattern=dict(type='str'),
        include_internal=dict(type='bool', default=False),
    )
    argument_spec.update(CONNECTION_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, required_if=CONNECTION_REQUIRED_IF,
                           supports_check_mode=True)
    params = module.params
    try:
        re.compile(params['pattern'] or '')
    except re.error as e:
        module.fail_json(msg='pattern %r is not a valid regular expression: %s' % (params['pattern'], e))

    select = (params['names'], params['pattern'], params['include_internal'])
    admin = KafkaAdmin(module)
    try:
        state = read_metadata(admin)
        read_configs(admin, state, list(describe(state, *select)))
    except Exception as e:
        module.fail_json(msg='Describing topics failed: %s' % e)
    finally:
        admin.close()
    module.exit_json(changed=False, brokers=state['brokers'], topics=describe(state, *select))


if __name__ == '__main__':
    main()
