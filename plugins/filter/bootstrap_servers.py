# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The one rule for where clients reach the brokers: each broker's advertised name and its own port."""

from __future__ import annotations

DOCUMENTATION = r'''
name: bootstrap_servers
short_description: The C(host:port) list of a group of Kafka brokers
description:
  - For each broker, its host variable C(kafka_advertised_host) (else its inventory name) and its host variable
    C(kafka_port) (else O(port)).
  - The role C(kafka_ansible.cluster.common) computes C(kafka_bootstrap_servers) with it; every role and playbook of the
    collection uses that list.
positional: _input, hostvars, port
options:
  _input:
    description: Inventory names of the brokers.
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) of the play.
    type: dict
    required: true
  port:
    description: The port of a broker that sets no C(kafka_port) of its own.
    type: int
    required: true
'''

EXAMPLES = r'''
bootstrap: "{{ groups['kafka'] | kafka_ansible.cluster.bootstrap_servers(hostvars, 9092) }}"
'''

RETURN = r'''
_value:
  description: One C(host:port) per broker, in the order of the input.
  type: list
  elements: str
'''


def bootstrap_servers(brokers, hostvars, port):
    result = []
    for name in brokers:
        own = hostvars[name]
        result.append('%s:%s' % (own.get('kafka_advertised_host', name), own.get('kafka_port', port)))
    return result


class FilterModule:
    def filters(self):
        return {'bootstrap_servers': bootstrap_servers}
