#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_topic
short_description: Manage one Kafka topic
description:
  - Creates, updates or deletes one Kafka topic. It is M(kafka_ansible.cluster.kafka_topics) with a single item and
    follows the same rules; use M(kafka_ansible.cluster.kafka_topics) for many topics, it is much faster than a loop.
  - Everything is validated (also by the broker with C(validate_only)) before anything changes.
  - Configs are compared with the topic's own overrides only; unlisted overrides are left alone
    and a value of V(null) removes an override.
  - Partitions only grow. Replication-factor changes need O(allow_replication_factor_change=true).
  - The effective C(min.insync.replicas) (requested, else the topic's override, else the broker
    default) may not exceed the effective replication factor (requested, else current, else the
    broker's C(default.replication.factor)); a change that leads there is an error.
  - A deletion waits until the topic is really gone, its name free again. The result lists only
    what was done.
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
        that keeps the existing replicas (adding the least-loaded brokers, or, when decreasing, keeping
        the leader, then the in-sync replicas on live brokers; a decrease that needs a dead broker is
        an error).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for deletion, leaders of new partitions, reassignments, and (before any
        change) the name of a new topic that is still being deleted to become free.
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
  - module: kafka_ansible.cluster.kafka_topics
  - module: kafka_ansible.cluster.kafka_topic_info
"""

EXAMPLES = r"""
- name: Create or update a topic
  kafka_ansible.cluster.kafka_topic:
    bootstrap_servers: kafka1:9092
    name: orders
    partitions: 12
    replication_factor: 3
    configs:
      retention.ms: 604800000
      cleanup.policy: [delete, compact]

- name: Remove one override, keep the others
  kafka_ansible.cluster.kafka_topic:
    bootstrap_servers: kafka1:9092
    name: orders
    configs:
      retention.ms: null

- name: Delete a topic (waits until it is gone)
  kafka_ansible.cluster.kafka_topic:
    bootstrap_servers: kafka1:9092
    name: legacy-events
    state: absent
"""

RETURN = r"""
changes:
  description: What changed (or would change in check mode); empty or one item. See M(kafka_ansible.cluster.kafka_topics).
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
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_TOPIC_ARGS, TOPIC_OPTIONS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import finish
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import run_topics


def main():
    module = AnsibleModule(**KAFKA_TOPIC_ARGS)
    topic = dict((key, module.params[key]) for key in TOPIC_OPTIONS)
    finish(module, lambda: run_topics(module.params, [topic], None, module.check_mode, module._diff))


if __name__ == '__main__':
    main()
