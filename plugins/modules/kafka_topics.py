#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_topics
short_description: Manage many Kafka topics in one run, with optional scoped pruning
description:
  - Declares the wanted state of many Kafka topics (partitions, replication factor, config
    overrides, presence) and reconciles the cluster with one admin connection and a few
    batched requests.
  - Every item is validated first (names, duplicates, numbers, config keys and value types,
    replication factor against live brokers, C(min.insync.replicas) against the replication
    factor, new names that differ from another topic only by C(.) versus C(_), which Kafka
    refuses), then the cluster is read, one plan is computed and checked by the broker with
    C(validate_only). Any problem fails the task with a message naming the topic and the
    reason, and nothing is changed.
  - The plan is applied in this order. Deletes, waiting until the topics are gone. Creates,
    in chunks of at most 2000 partitions per request; a topic that appears meanwhile is
    reconciled instead. Config changes with IncrementalAlterConfigs. Partition increases.
    Replication-factor changes through a partition reassignment, waiting until it finished.
  - Configs are compared with the topic's own overrides only, never with broker defaults, so
    there are no perpetual diffs. Config keys that are not listed are left alone; a value of
    V(null) removes the override.
  - Partitions can only grow; a decrease is an error, the topic is never recreated.
  - Internal topics (names starting with C(__) or C(_confluent), C(_schemas), Kafka Connect's
    default C(connect-configs), C(connect-offsets) and C(connect-status), and topics the broker
    flags internal) can never be deleted or pruned, and their partition count never changes.
version_added: "1.0.0"
author: kafka-ansible contributors
options:
  topics:
    description: The topics to manage.
    type: list
    elements: dict
    required: true
    suboptions:
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
          - When omitted, a new topic gets the broker's C(default.replication.factor) and an existing
            topic keeps its replicas.
          - Changing it on an existing topic requires O(allow_replication_factor_change=true).
        type: int
      configs:
        description:
          - Topic config overrides, for example C(retention.ms) or C(cleanup.policy).
          - Values may be YAML integers, booleans, lists or strings; they are normalised to the
            broker's form by the config's type before comparing.
          - V(null) removes the override so that the topic inherits the broker default again.
          - Overrides not listed here are left untouched.
        type: dict
      state:
        description: Whether the topic should exist. V(absent) deletes it and waits until it is gone.
        type: str
        default: present
        choices: [present, absent]
  prune:
    description:
      - Delete existing topics that are not listed in O(topics), but only those in scope.
        O(prune_prefix) or O(prune_regex) is required; with both, a topic must match both.
      - Internal topics are never pruned.
    type: bool
    default: false
  prune_prefix:
    description: With O(prune), only topics whose name starts with this prefix are candidates.
    type: str
  prune_regex:
    description: With O(prune), only topics whose whole name matches this Python regular expression are candidates.
    type: str
  prune_max_deletions:
    description:
      - With O(prune), fail without changing anything when more than this many topics would be pruned.
      - Deletions requested with O(topics[].state=absent) do not count.
    type: int
    default: 10
  allow_replication_factor_change:
    description:
      - Allow changing the replication factor of existing topics. Partitions keep their existing
        replicas; an increase adds the least-loaded brokers, a decrease keeps the current leader and
        the preferred replicas.
      - Without it, a different O(topics[].replication_factor) for an existing topic is an error.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for deletions to finish, new topics and partitions to get leaders, and
        reassignments to complete.
    type: int
    default: 300
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Returns the full plan, including the broker's C(validate_only) verdict, and changes nothing.
  diff_mode:
    support: full
    details: One before/after pair per changed topic, with the changed keys only.
  platform:
    platforms: posix
seealso:
  - module: kafka_topic
  - module: kafka_topic_info
"""

EXAMPLES = r"""
- name: Declare the application topics
  kafka_topics:
    bootstrap_servers: kafka1:9092,kafka2:9092
    topics:
      - name: orders
        partitions: 12
        replication_factor: 3
        configs:
          retention.ms: 604800000
          min.insync.replicas: 2
      - name: orders.compacted
        partitions: 6
        replication_factor: 3
        configs:
          cleanup.policy: compact
          retention.ms: null          # remove this override
      - name: legacy-events
        state: absent
  delegate_to: localhost
  run_once: true

- name: Keep exactly the listed app.* topics (deletes at most 5 others under app.)
  kafka_topics:
    bootstrap_servers: "{{ kafka_bootstrap }}"
    topics: "{{ app_topics }}"
    prune: true
    prune_prefix: app.
    prune_max_deletions: 5

- name: Raise the replication factor of a topic to 3 over SASL_SSL
  kafka_topics:
    bootstrap_servers: kafka1:9093
    security_protocol: SASL_SSL
    ssl_cafile: /etc/kafka/ca.pem
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ vault_kafka_admin_password }}"
    allow_replication_factor_change: true
    topics:
      - name: payments
        replication_factor: 3
"""

RETURN = r"""
changes:
  description:
    - What changed (or would change in check mode), one item per topic, in the order applied.
    - C(before) and C(after) hold the changed keys only (C(partitions), C(replication_factor),
      C(configs), and for a replication-factor change the C(replicas) per partition).
  returned: always
  type: list
  elements: dict
  sample:
    - topic: orders
      action: update
      before: {partitions: 6, configs: {retention.ms: "86400000"}}
      after: {partitions: 12, configs: {retention.ms: "604800000"}}
    - topic: legacy-events
      action: delete
      reason: state is absent
      before: {partitions: 3, replication_factor: 3}
      after: {}
  contains:
    topic:
      description: Topic name.
      type: str
    action:
      description: One of V(create), V(update), V(delete).
      type: str
    reason:
      description: For V(delete), why it is deleted.
      type: str
    before:
      description: Changed keys before.
      type: dict
    after:
      description: Changed keys after.
      type: dict
applied:
  description: On a failure after changes began, the operations that were applied before it.
  returned: failure
  type: list
  elements: dict
  sample: [{topic: orders, action: configs}]
errors:
  description: Every validation problem found, each naming its topic.
  returned: failure
  type: list
  elements: str
  sample: ["topic 'orders': partitions cannot be decreased (current 12, requested 6); ..."]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import CONNECTION_ARGUMENT_SPEC, CONNECTION_REQUIRED_IF
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import ENGINE_OPTIONS, TOPIC_OPTIONS, run_topics


def main():
    argument_spec = dict(
        topics=dict(type='list', elements='dict', required=True, options=TOPIC_OPTIONS),
        prune=dict(type='bool', default=False),
        prune_prefix=dict(type='str'),
        prune_regex=dict(type='str'),
        prune_max_deletions=dict(type='int', default=10),
    )
    argument_spec.update(ENGINE_OPTIONS)
    argument_spec.update(CONNECTION_ARGUMENT_SPEC)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=CONNECTION_REQUIRED_IF,
        supports_check_mode=True,
    )
    params = module.params
    prune = None
    if params['prune']:
        prune = {'prefix': params['prune_prefix'], 'regex': params['prune_regex'],
                 'max_deletions': params['prune_max_deletions']}
    run_topics(module, params['topics'], prune)


if __name__ == '__main__':
    main()
