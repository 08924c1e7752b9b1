#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

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
    replication factor against live brokers, the effective C(min.insync.replicas) against the
    effective replication factor, new names that differ from another topic only by C(.) versus
    C(_), which Kafka refuses), then the cluster is read, one plan is computed and checked by
    the broker with C(validate_only). Any problem fails the task with a message naming the topic
    and the reason, and nothing is changed.
  - C(min.insync.replicas) greater than the replication factor makes every C(acks=all) produce
    fail, so a change that leads there is an error. Both sides are the values the topic will run
    with, in the order of precedence - C(min.insync.replicas) from O(topics[].configs), else the
    topic's own override, else the broker default; the replication factor from
    O(topics[].replication_factor), else the current one, else (new topic) the broker's
    C(default.replication.factor). A topic that is already in that state and is not changed is
    only reported as a warning.
  - Deleting a topic and creating one whose name differs from it only by C(.) versus C(_) in the
    same run is refused (Kafka refuses the new name until the deletion has finished); do it in
    two runs.
  - The plan is applied in this order. Deletes, waiting until the topics are really gone (the
    metadata no longer lists them and their names are free again; in ZooKeeper mode a topic
    leaves the metadata when its deletion starts, but keeps its name until it ends). Creates,
    in chunks of at most 2000 partitions per request. Config changes with
    IncrementalAlterConfigs. Partition increases. Replication-factor changes through a
    partition reassignment, waiting until it finished.
  - A planned create whose name turns out to be taken although the metadata does not list the
    topic (a deletion still in progress) waits, then reads the cluster and plans again, at most
    O(wait_timeout) seconds, before anything is changed. The result lists only what was done -
    a create whose answer was lost and whose retry found the topic is reported as created; a
    topic that someone else creates between planning and creating fails the task (nothing is
    reported for it), and a second run reconciles it.
  - Configs are compared with the topic's own overrides only, never with broker defaults, so
    there are no perpetual diffs. Config keys that are not listed are left alone; a value of
    V(null) removes the override. List configs whose order Kafka ignores (C(cleanup.policy),
    C(leader.replication.throttled.replicas), C(follower.replication.throttled.replicas)) are
    compared as sets.
  - Partitions can only grow; a decrease is an error, the topic is never recreated.
  - Internal topics (names starting with C(__) or C(_confluent), C(_schemas), Kafka Connect's
    default C(connect-configs), C(connect-offsets) and C(connect-status), and topics the broker
    flags internal) can never be deleted, and their partition count never changes.
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
      - "Pruning never deletes these topics, whatever the scope (each is reported as a warning):
        internal topics (see above); every name starting with C(_) (Schema Registry's C(_schemas),
        Confluent's C(_confluent*), ksqlDB, ...); Kafka Streams internal topics, names ending with
        C(-changelog) or C(-repartition); MirrorMaker 2 topics, C(heartbeats), C(<alias>.heartbeats),
        C(<alias>.checkpoints.internal) and names starting with C(mm2-offset-syncs.), C(mm2-configs.),
        C(mm2-offsets.) or C(mm2-status.); Kafka Connect storage topics, names that contain the word
        C(connect) (at the start or after C(.), C(_) or C(-)) and end with C(-configs), C(-offsets) or
        C(-status), such as C(connect-cluster-offsets) or C(docker-connect-status)."
      - To delete such a topic (other than an internal one), list it with O(topics[].state=absent).
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
        replicas; an increase adds the least-loaded brokers, a decrease keeps the current leader,
        then the in-sync replicas, then the other replicas on live brokers. A decrease that would
        need a replica on a broker that is not alive is an error.
      - Without it, a different O(topics[].replication_factor) for an existing topic is an error.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for deletions to finish, new topics and partitions to get leaders,
        reassignments to complete, and (before any change) the name of a planned new topic that is
        still being deleted to become free.
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
  - module: kafka_ansible.cluster.kafka_topic
  - module: kafka_ansible.cluster.kafka_topic_info
"""

EXAMPLES = r"""
- name: Declare the application topics
  kafka_ansible.cluster.kafka_topics:
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
  kafka_ansible.cluster.kafka_topics:
    bootstrap_servers: "{{ kafka_bootstrap }}"
    topics: "{{ app_topics }}"
    prune: true
    prune_prefix: app.
    prune_max_deletions: 5

- name: Raise the replication factor of a topic to 3 over SASL_SSL
  kafka_ansible.cluster.kafka_topics:
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
  description:
    - On a failure after changes began, the operations that were applied before it (C(delete),
      C(create), C(configs), C(partitions), C(replication_factor)).
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
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_TOPICS_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import finish, prune_scope
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import run_topics


def main():
    module = AnsibleModule(**KAFKA_TOPICS_ARGS)
    params = module.params
    prune = prune_scope(params)
    finish(module, lambda: run_topics(params, params['topics'], prune, module.check_mode, module._diff))


if __name__ == '__main__':
    main()
