#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_topic
short_description: Manage one Kafka topic
description:
  - Creates, updates or deletes one Kafka topic. It is M(kafka_topics) with a single item and
    follows the same rules; use M(kafka_topics) for many topics, it is much faster than a loop.
  - Everything is validated (also by the broker with C(validate_only)) before anything changes.
  - Configs are compared with the topic's own overrides only; unlisted overrides are left alone
    and a value of V(null) removes an override.
  - Partitions only grow. Replication-factor changes need O(allow_replication_factor_change=true).
  - Internal topics can never be deleted.
version_added: "1.0.0"
author: kafka-ansible contributors
options:
  name:
    description: Topic name, at most 249 characters of V(a-z), V(A-Z), V(0-9), V(.), V(_) and V(-).
    type: str
    required: true
  partitions:
    description:
      - Number of partitions. Can only be increased.
      - When omitted, a new topic gets the broker's C(num.partitions) and an existing topic keeps its count.
    type: int
  replication_factor:
    description:
      - Replication factor, at most the number of live brokers.
      - When omitted, a new topic gets the broker's C(default.replication.factor) and an existing topic keeps its replicas.
    type: int
  configs:
    description:
      - Topic config overrides. Values are normalised by the config's type before comparing.
      - V(null) removes the override. Overrides not listed are left untouched.
    type: dict
  state:
    description: Whether the topic should exist. V(absent) deletes it and waits until it is gone.
    type: str
    default: present
    choices: [present, absent]
  allow_replication_factor_change:
    description:
      - Allow changing the replication factor of an existing topic through a partition reassignment
        that keeps the existing replicas (adding the least-loaded brokers, or keeping the leader and
        the preferred replicas when decreasing).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for deletion, leaders of new partitions, and reassignments.
    type: int
    default: 300
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
seealso:
  - module: kafka_topics
  - module: kafka_topic_info
"""

EXAMPLES = r"""
- name: Create or update a topic
  kafka_topic:
    bootstrap_servers: kafka1:9092
    name: orders
    partitions: 12
    replication_factor: 3
    configs:
      retention.ms: 604800000
      cleanup.policy: [delete, compact]

- name: Remove one override, keep the others
  kafka_topic:
    bootstrap_servers: kafka1:9092
    name: orders
    configs:
      retention.ms: null

- name: Delete a topic (waits until it is gone)
  kafka_topic:
    bootstrap_servers: kafka1:9092
    name: legacy-events
    state: absent
"""

RETURN = r"""
changes:
  description: What changed (or would change in check mode); empty or one item. See M(kafka_topics).
  returned: always
  type: list
  elements: dict
  sample:
    - topic: orders
      action: update
      before: {configs: {retention.ms: "86400000"}}
      after: {configs: {}}
applied:
  description: On a failure after changes began, the operations that were applied before it.
  returned: failure
  type: list
  elements: dict
errors:
  description: Every validation problem found.
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import CONNECTION_ARGUMENT_SPEC, CONNECTION_REQUIRED_IF
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import ENGINE_OPTIONS, TOPIC_OPTIONS, run_topics


def main():
    argument_spec = dict(TOPIC_OPTIONS)
    argument_spec.update(ENGINE_OPTIONS)
    argument_spec.update(CONNECTION_ARGUMENT_SPEC)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=CONNECTION_REQUIRED_IF,
        supports_check_mode=True,
    )
    topic = dict((key, module.params[key]) for key in TOPIC_OPTIONS)
    run_topics(module, [topic])


if __name__ == '__main__':
    main()
