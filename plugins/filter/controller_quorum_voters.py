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
  - For each controller, C(<node id>@<host>:<port>) - its host variable C(kafka_broker_id) on a combined node, else
    its C(kafka_node_id), at its C(kafka_advertised_host) (else its inventory name) and O(port).
  - Fails naming the controllers without an id.
positional: _input, hostvars, port
options:
  _input:
    description: Inventory names of the controllers.
    type: list
    elements: str
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
voters: "{{ groups['kafka_controller'] | kafka_ansible.cluster.controller_quorum_voters(hostvars, 9093) }}"
'''

RETURN = r'''
_value:
  description: The voters, comma-separated, in the order of the input.
  type: str
'''


def node_id(hostvars, name):
    own = hostvars[name]
    return own.get('kafka_broker_id', own.get('kafka_node_id'))


def controller_quorum_voters(controllers, hostvars, port):
    missing = [name for name in controllers if node_id(hostvars, name) is None]
    if missing:
        raise AnsibleFilterError('controllers without kafka_node_id: %s' % ', '.join(missing))
    return ','.join('%s@%s:%s' % (node_id(hostvars, name), hostvars[name].get('kafka_advertised_host', name), port)
                    for name in controllers)


class FilterModule:
    def filters(self):
        return {'controller_quorum_voters': controller_quorum_voters}
