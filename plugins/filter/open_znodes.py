# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Znodes that no SASL user owns: what brokers that did not log in to ZooKeeper left behind."""

from __future__ import annotations

DOCUMENTATION = r'''
name: open_znodes
short_description: The znodes of a zookeeper_info result that have no SASL ACL
description:
  - Brokers that log in to ZooKeeper (C(zookeeper.set.acl=true)) create their znodes with an ACL for their
    C(sasl) user (and C(world) read); a broker that did not log in creates them open to C(world) alone.
  - Returns the paths, in their order, of the znodes that exist and whose ACL names no C(sasl) identity.
positional: _input
options:
  _input:
    description: The RV(znodes) of C(kafka_ansible.cluster.zookeeper_info) ({path => {exists, acls, ...}}).
    type: dict
    required: true
'''

EXAMPLES = r'''
anonymous_brokers: "{{ registrations.znodes | kafka_ansible.cluster.open_znodes | map('basename') | list }}"
'''

RETURN = r'''
_value:
  description: Paths of the existing znodes without a SASL ACL.
  type: list
  elements: str
'''


def open_znodes(znodes):
    return [path for path, znode in (znodes or {}).items()
            if znode.get('exists') and not any(acl.get('scheme') == 'sasl' for acl in znode.get('acls') or [])]


class FilterModule:
    def filters(self):
        return {'open_znodes': open_znodes}
