#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_acls
short_description: Manage Kafka ACLs as code, with optional scoped pruning
description:
  - Declares allow and deny ACLs on topics, consumer groups, the cluster and transactional ids,
    with literal and prefixed resource patterns, and reconciles the cluster with one
    DescribeAcls request, one CreateAcls request and one DeleteAcls request.
  - Each entry of O(acls) expands into one ACL binding per principal and operation.
  - Every entry is validated first (principal form, host, known values, operations that Kafka
    defines for the resource type, the cluster resource name, topic name characters, bindings
    declared twice, declared both present and absent, or allowed and denied at the same time,
    and the prune scope). Any problem fails the task with one message naming every bad entry
    (as C(acls[index])), before the module connects, and nothing is changed.
  - Bindings are compared exactly (resource type, name, pattern type, principal, host,
    permission, operation) with what the cluster holds. Only missing ones are created and only
    those with O(acls[].state=absent) or pruned are deleted, so a second run reports no change.
  - Creates are applied before deletes, so that while the run is under way the cluster never
    allows anything that neither the old nor the new ACLs allow; a failed create stops the run
    before any delete. After applying, the module reads the ACLs again until the cluster shows
    every change (at most O(wait_timeout) seconds).
  - A binding the broker refuses fails the task with the broker's error for that binding, and
    the result lists in C(applied) what was already done.
  - ACLs of the resource types C(user) and C(delegation_token) are never read into the plan,
    never changed and never pruned.
  - The brokers must run an authorizer (C(authorizer.class.name)); without one the task fails
    saying so, and changes nothing.
version_added: "1.1.0"
author: kafka-ansible contributors
options:
  acls:
    description: The ACL entries to manage. An empty list is valid (with O(prune), it deletes every binding in scope).
    type: list
    elements: dict
    required: true
    suboptions:
      principals:
        description:
          - Principals of the form C(Type:name), for example C(User:alice); C(User:*) is every user.
          - Always a YAML list - Ansible splits a string at commas, which would break TLS
            distinguished names such as C(User:CN=app,OU=Kafka).
        type: list
        elements: str
        required: true
      host:
        description:
          - The client IP address the entry applies to, or V(*) for every host. Brokers compare
            the client's IP address, so a host name is refused.
        type: str
        default: '*'
      operations:
        description:
          - "Operations: V(all), V(read), V(write), V(create), V(delete), V(alter), V(describe),
            V(cluster_action), V(describe_configs), V(alter_configs), V(idempotent_write)."
          - "Only those that Kafka defines for the resource type, besides V(all):
            topic - read, write, create, describe, delete, alter, describe_configs, alter_configs;
            group - read, describe, delete;
            cluster - create, cluster_action, describe_configs, alter_configs, idempotent_write, alter, describe;
            transactional_id - describe, write."
        type: list
        elements: str
        required: true
      permission:
        description: V(allow) or V(deny). A deny always wins over an allow.
        type: str
        default: allow
      resource_type:
        description: V(topic), V(group), V(cluster) or V(transactional_id).
        type: str
        required: true
      resource_name:
        description:
          - The name of the topic, group or transactional id, or with O(acls[].pattern_type=prefixed)
            the prefix of the names. V(*) with a literal pattern is every resource of the type.
          - Required, except for the cluster, whose only name is V(kafka-cluster) (the default for it).
        type: str
      pattern_type:
        description:
          - V(literal) (the exact name, or V(*)) or V(prefixed) (every name that starts with
            O(acls[].resource_name)). The cluster takes only V(literal).
        type: str
        default: literal
      state:
        description: V(present) or V(absent).
        type: str
        default: present
  prune:
    description:
      - Delete existing bindings that are not declared in O(acls), but only those in scope;
        O(prune_prefix), O(prune_regex) or O(prune_principals) is required, and a binding must
        match every one given.
      - Deletions requested with O(acls[].state=absent) are not pruning.
    type: bool
    default: false
  prune_prefix:
    description: With O(prune), only bindings whose resource name starts with this prefix are candidates.
    type: str
  prune_regex:
    description: With O(prune), only bindings whose whole resource name matches this Python regular expression are candidates.
    type: str
  prune_principals:
    description: With O(prune), only bindings of these principals are candidates.
    type: list
    elements: str
    default: []
  prune_max_deletions:
    description:
      - With O(prune), fail without changing anything when more than this many bindings would be pruned.
      - Deletions requested with O(acls[].state=absent) do not count.
    type: int
    default: 10
  wait_timeout:
    description: Seconds to wait, after applying, until the cluster shows every change.
    type: int
    default: 60
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the cluster's ACLs, returns the same plan a real run would apply, and changes nothing.
  diff_mode:
    support: full
    details: Every managed binding of the cluster before and after, one sorted line each.
  platform:
    platforms: posix
seealso:
  - module: kafka_ansible.cluster.kafka_topics
"""

EXAMPLES = r"""
- name: The orders service reads and writes its topics and uses its consumer groups
  kafka_ansible.cluster.kafka_acls:
    bootstrap_servers: kafka1:9092,kafka2:9092
    acls:
      - principals: [User:orders]
        operations: [read, write, describe]
        resource_type: topic
        resource_name: orders.
        pattern_type: prefixed
      - principals: [User:orders]
        operations: [read]
        resource_type: group
        resource_name: orders-
        pattern_type: prefixed
      - principals: [User:orders]
        operations: [idempotent_write]
        resource_type: cluster
      - principals: [User:intern]
        operations: [all]
        permission: deny
        resource_type: topic
        resource_name: payments
      - principals: [User:legacy]
        operations: [read]
        resource_type: topic
        resource_name: '*'
        state: absent
  delegate_to: "{{ kafka_modules_host }}"
  run_once: true

- name: Keep exactly the declared ACLs of the analytics team (deletes at most 5 others of its principals)
  kafka_ansible.cluster.kafka_acls:
    bootstrap_servers: "{{ kafka_bootstrap_servers }}"
    acls: "{{ analytics_acls }}"
    prune: true
    prune_principals: [User:analytics, User:analytics-batch]
    prune_max_deletions: 5
"""

RETURN = r"""
changes:
  description:
    - What changed (or would change in check mode), one item per ACL binding, in the order
      applied - creates, then deletes.
  returned: always
  type: list
  elements: dict
  sample:
    - action: create
      acl: "topic 'orders.' (prefixed): allow User:orders read from *"
    - action: delete
      acl: "topic 'orders.' (prefixed): allow User:old write from *"
      reason: "pruned: not declared"
  contains:
    action:
      description: V(create) or V(delete).
      type: str
    acl:
      description: "The binding, as C(<resource type> '<name>' (<pattern type>): <permission> <principal> <operation> from <host>)."
      type: str
    reason:
      description: "For V(delete), why: C(state is absent) or C(pruned: not declared)."
      type: str
applied:
  description: On a failure after changes began, the changes that were applied before it.
  returned: failure
  type: list
  elements: dict
  sample: [{action: create, acl: "group 'orders-' (prefixed): allow User:orders read from *"}]
errors:
  description: Every problem of the input found, each naming its entry as C(acls[index]) or C(prune).
  returned: failure
  type: list
  elements: str
  sample: ["acls[2]: operation 'write' does not apply to resource_type group (it takes: all, read, describe, delete)"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_acl_apply import run_acls
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_acl_plan import declare
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_ACLS_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import finish, prune_scope
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import INVALID


def main():
    module = AnsibleModule(**KAFKA_ACLS_ARGS)
    params = module.params
    prune = prune_scope(params, 'principals')
    declared, errors = declare(params['acls'], prune)
    if errors:
        module.fail_json(msg=INVALID + '; '.join(errors), errors=errors)
    finish(module, lambda: run_acls(params, declared, prune, module.check_mode, module._diff))


if __name__ == '__main__':
    main()
