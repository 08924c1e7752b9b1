# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""KRaft: the one rule from the controller group to controller.quorum.voters."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r'''
name: controller_quorum_voters
short_description: The C(controller.quorum.voters) of a group of KRaft controllers
description:
  - For each controller, C(<node id>@<host>:<port>) - its id in O(node_ids), at its C(kafka_advertised_host) (else its
    inventory name) and O(port).
  - Fails naming the controllers without an id.
positional: _input, node_ids, hostvars, port
options:
  _input:
    description: Inventory names of the controllers.
    type: list
    elements: str
    required: true
  node_ids:
    description: The C(node.id) of each node by inventory name (the role's C(_kafka_node_ids)); not an integer when missing.
    type: dict
    required: true
  hostvars:
    description: The C(hostvars) of the play.
    type: dict
    required: true
  port:
    description: The controllers' port (C(kafka_controller_port)).
    type: int
    required: true
'''

EXAMPLES = r'''
voters: "{{ groups['kafka_controller'] | kafka_ansible.cluster.controller_quorum_voters({'c1': 101, 'c2': 102, 'c3': 103}, hostvars, 9093) }}"
'''

RETURN = r'''
_value:
  description: The voters, comma-separated, in the order of the input.
  type: str
'''


def controller_quorum_voters(controllers, node_ids, hostvars, port):
    missing = [name for name in controllers if not isinstance(node_ids.get(name), int)]
    if missing:
        raise AnsibleFilterError('controllers without kafka_node_id: %s' % ', '.join(missing))
    return ','.join('%s@%s:%s' % (node_ids[name], hostvars[name].get('kafka_advertised_host', name), port)
                    for name in controllers)


class FilterModule:
    def filters(self):
        return {'controller_quorum_voters': controller_quorum_voters}
