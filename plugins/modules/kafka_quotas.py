#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_quotas
short_description: Manage Kafka client quotas as code, with optional scoped pruning
description:
  - Declares client quotas (produce and fetch byte rates, request percentage, controller mutation
    rate) per user, per client id, per user and client id, and for Kafka's default entities, and
    reconciles the cluster with one DescribeClientQuotas request and one AlterClientQuotas request
    (kafka-python has no admin call for quotas; the module sends these protocol requests itself).
  - Every entry is validated first (which entity, names, values, state, entities declared twice,
    the prune scope). Any problem fails the task with one message naming every bad entry (as
    C(quotas[index])), before the module connects, and nothing is changed.
  - "The declared quotas of an entity with O(quotas[].state=present) are exact: a quota key the
    entity has on the cluster but the entry does not declare is removed. To remove one key, leave
    it out; to remove every quota of an entity, use O(quotas[].state=absent)."
  - Values are compared with what the cluster holds, so a second run reports no change. Entities
    not declared are left alone unless O(prune) is set.
  - Before changing anything (also in check mode) the broker validates every alteration
    (C(validate_only)); a refusal fails the task with the broker's message for each entity, and
    nothing is changed. Check mode therefore needs the same rights as a real run (C(ALTER_CONFIGS)
    on the cluster).
  - After applying, the module reads the quotas back from every broker until each shows the
    result (at most O(wait_timeout) seconds). In ZooKeeper mode a broker answers from ZooKeeper
    and starts throttling with the new values when ZooKeeper notifies it, a moment later.
  - "Kafka uses the most specific quota that matches a connection: user and client id, user and
    default client id, user, default user and client id, default user and default client id,
    default user, client id, default client id."
  - Removing quotas removes quota keys only; a user's SCRAM credentials, which ZooKeeper keeps in
    the same node, are never touched. Quota keys the module does not know (a newer broker's) are
    left alone.
  - Only user and client-id entities are managed; IP entities (C(connection_creation_rate)) are
    never read into the plan, changed or pruned.
version_added: "1.1.0"
author: kafka-ansible contributors
options:
  quotas:
    description:
      - The quota entities to manage, one entry each. An empty list is valid (with O(prune), it
        deletes the quotas of every entity in scope).
      - An entry names a user (O(quotas[].user) or O(quotas[].default_user)), a client id
        (O(quotas[].client_id) or O(quotas[].default_client_id)), or both.
    type: list
    elements: dict
    required: true
    suboptions:
      user:
        description:
          - The user name the broker authenticates (the name of the principal without C(User:),
            for example C(alice), or the distinguished name of a TLS client). V(User:alice) is refused.
          - Excludes O(quotas[].default_user).
        type: str
      default_user:
        description:
          - The default user entity (C(<default>) in ZooKeeper, C(--entity-default) of
            C(kafka-configs.sh)), whose quotas apply to every user without quotas of its own.
          - The string V(<default>) as O(quotas[].user) is refused, so that it is not taken for a
            user of that name.
        type: bool
        default: false
      client_id:
        description: The client id (C(client.id) of the clients). Excludes O(quotas[].default_client_id).
        type: str
      default_client_id:
        description: The default client-id entity, whose quotas apply to every client id without quotas of its own.
        type: bool
        default: false
      producer_byte_rate:
        description: Bytes per second the entity may produce, per broker; a whole number greater than 0.
        type: int
      consumer_byte_rate:
        description: Bytes per second the entity may fetch, per broker; a whole number greater than 0.
        type: int
      request_percentage:
        description:
          - Percentage of one request-handler or network thread the entity may use, per broker,
            greater than 0 (it can exceed 100; the total is (C(num.io.threads) + C(num.network.threads)) x 100).
        type: float
      controller_mutation_rate:
        description: Partitions per second the entity may create or delete (topic creations,
          deletions and partition additions), greater than 0.
        type: float
      state:
        description:
          - V(present) - the entity has exactly the declared quotas (at least one); any other
            quota key it has is removed.
          - V(absent) - every quota of the entity is removed (declare no values).
        type: str
        default: present
  prune:
    description:
      - Remove the quotas of entities that are not declared in O(quotas), but only those in scope;
        O(prune_prefix) or O(prune_regex) is required, and an entity must match every one given.
      - An entity is matched by its user name, or, when it has no named user, by its client id.
        Entities made of defaults only (default user, default client id, or both) are never pruned.
      - Deletions requested with O(quotas[].state=absent) are not pruning.
    type: bool
    default: false
  prune_prefix:
    description: With O(prune), only entities whose name (see O(prune)) starts with this prefix are candidates.
    type: str
  prune_regex:
    description: With O(prune), only entities whose whole name (see O(prune)) matches this Python regular expression are candidates.
    type: str
  prune_max_deletions:
    description:
      - With O(prune), fail without changing anything when the quotas of more than this many entities would be pruned.
      - Deletions requested with O(quotas[].state=absent) do not count.
    type: int
    default: 10
  wait_timeout:
    description: Seconds to wait, after applying, until every broker shows every change.
    type: int
    default: 60
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the quotas, lets the broker validate the alterations (C(validate_only), which changes
        nothing), returns the same plan a real run would apply, and changes nothing.
  diff_mode:
    support: full
    details: "One before/after document per changed entity, one C(key: value) line per quota."
  platform:
    platforms: posix
seealso:
  - module: kafka_ansible.cluster.kafka_acls
  - name: Kafka quotas
    description: How brokers enforce client quotas and which one applies to a connection.
    link: https://kafka.apache.org/39/documentation.html#design_quotas
"""

EXAMPLES = r"""
- name: Quotas of the orders service and a cluster-wide default for unknown client ids
  kafka_ansible.cluster.kafka_quotas:
    bootstrap_servers: kafka1:9092,kafka2:9092
    quotas:
      - user: orders
        producer_byte_rate: 10485760      # 10 MiB/s per broker
        consumer_byte_rate: 20971520
      - user: orders
        client_id: orders-batch
        consumer_byte_rate: 5242880
        request_percentage: 50
      - user: orders
        default_client_id: true          # any other client id of the user orders
        request_percentage: 25
      - default_client_id: true          # every client id without quotas of its own
        producer_byte_rate: 1048576
      - user: legacy
        state: absent
  delegate_to: "{{ kafka_modules_host }}"
  run_once: true

- name: Keep exactly the declared quotas of the team's users (removes at most 5 others)
  kafka_ansible.cluster.kafka_quotas:
    bootstrap_servers: "{{ kafka_bootstrap_servers }}"
    quotas: "{{ team_quotas }}"
    prune: true
    prune_prefix: team-a-
    prune_max_deletions: 5
"""

RETURN = r"""
changes:
  description:
    - What changed (or would change in check mode), one item per entity, users first.
  returned: always
  type: list
  elements: dict
  sample:
    - action: update
      entity: "user 'orders'"
      before: {producer_byte_rate: 1048576, request_percentage: 50.0}
      after: {producer_byte_rate: 10485760}
    - action: delete
      entity: "user 'legacy', default client-id"
      before: {consumer_byte_rate: 1048576}
      after: {}
      reason: state is absent
  contains:
    action:
      description: V(create) (the entity had no quotas), V(update) or V(delete) (no quotas left).
      type: str
    entity:
      description: "The entity, as C(user 'name'), C(default user), C(client-id 'name') or C(default client-id),
        or a user and a client id joined by a comma."
      type: str
    before:
      description: The entity's quotas before, byte rates as integers.
      type: dict
    after:
      description: The entity's quotas after.
      type: dict
    reason:
      description: "For V(delete), why: C(state is absent) or C(pruned: not declared)."
      type: str
applied:
  description: On a failure after changes began, the changes that were applied before it.
  returned: failure
  type: list
  elements: dict
  sample: [{action: create, entity: "client-id 'app'", before: {}, after: {producer_byte_rate: 1024}}]
errors:
  description:
    - Every problem of the input found, each naming its entry as C(quotas[index]) or C(prune);
      or, when the broker refused alterations, its message for each entity.
  returned: failure
  type: list
  elements: str
  sample: ["quotas[2]: producer_byte_rate must be greater than 0, got 0"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_QUOTAS_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import finish, prune_scope
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_apply import run_quotas
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_plan import declare
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import INVALID


def main():
    module = AnsibleModule(**KAFKA_QUOTAS_ARGS)
    params = module.params
    prune = prune_scope(params)
    declared, errors = declare(params['quotas'], prune)
    if errors:
        module.fail_json(msg=INVALID + '; '.join(errors), errors=errors)
    finish(module, lambda: run_quotas(params, declared, prune, module.check_mode, module._diff))


if __name__ == '__main__':
    main()
