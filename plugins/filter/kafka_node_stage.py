# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Where a node is on the way from ZooKeeper to KRaft, read from its server.properties."""

from __future__ import annotations

DOCUMENTATION = r'''
name: kafka_node_stage
short_description: Where a node is on the way from ZooKeeper to KRaft, from its server.properties
description:
  - C(none) (no file), C(zookeeper), C(hybrid) (a ZooKeeper broker with C(zookeeper.metadata.migration.enable)),
    C(migration) (a KRaft controller with it) or C(kraft) (C(process.roles) without it).
positional: _input
options:
  _input:
    description: The text of the node's C(server.properties).
    type: str
    required: true
'''

EXAMPLES = r'''
stage: "{{ lookup('ansible.builtin.file', 'server.properties') | kafka_ansible.cluster.kafka_node_stage }}"
'''

RETURN = r'''
_value:
  description: C(none), C(zookeeper), C(hybrid), C(migration) or C(kraft).
  type: str
'''


def properties(text):
    entries = {}
    for line in (text or '').splitlines():
        line = line.strip()
        if line and not line.startswith(('#', '!')) and '=' in line:
            key, value = line.split('=', 1)
            entries[key.strip()] = value.strip()
    return entries


def kafka_node_stage(text):
    """C(none) (nothing deployed), C(zookeeper), C(hybrid) (a ZooKeeper broker in migration mode), C(migration) (a KRaft
    controller in migration mode) or C(kraft), from the text of a node's server.properties."""
    entries = properties(text)
    if not entries:
        return 'none'
    migrating = entries.get('zookeeper.metadata.migration.enable', 'false').lower() == 'true'
    if 'process.roles' in entries:
        return 'migration' if migrating else 'kraft'
    return 'hybrid' if migrating else 'zookeeper'


class FilterModule:
    def filters(self):
        return {'kafka_node_stage': kafka_node_stage}
