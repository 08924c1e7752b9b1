# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The ZooKeeper -> KRaft migration: where each node is, read from its server.properties, and where the cluster is."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r'''
name: kraft_migration_phase
short_description: The ZooKeeper to KRaft migration phase a cluster is in, from its nodes' stages
description:
  - From each node's stage (the filter C(kafka_node_stage) of its C(server.properties)), the cluster's phase, in the terms of Kafka's migration guide - C(new) (nothing deployed),
    C(zookeeper), C(controllers) (controllers provisioned in migration mode), C(hybrid) (brokers in migration mode),
    C(dual-write) (brokers on KRaft, controllers still writing to ZooKeeper; the last reversible phase) or C(kraft).
    Nodes with nothing deployed yet do not count.
  - Any other mix (a phase left half done) fails, naming every node's stage; with O(unfinished), it gives the furthest
    phase any node has reached instead (the phase to finish).
positional: _input, controllers, unfinished
options:
  _input:
    description: The stage of each node by inventory name (C(kafka_node_stage)).
    type: dict
    required: true
  controllers:
    description: Inventory names of the controllers (the C(kafka_controller) group).
    type: list
    elements: str
    required: true
  unfinished:
    description: Give the furthest phase reached instead of failing on a phase left half done.
    type: bool
    default: false
'''

EXAMPLES = r'''
phase: "{{ {'b1': 'hybrid', 'b2': 'hybrid', 'c1': 'migration'} | kafka_ansible.cluster.kraft_migration_phase(['c1']) }}"
'''

RETURN = r'''
_value:
  description: C(new), C(zookeeper), C(controllers), C(hybrid), C(dual-write) or C(kraft).
  type: str
'''

# (brokers' stages, controllers' stages) -> phase; nodes with nothing deployed are left out.
PHASES = {
    (frozenset(), frozenset()): 'new',
    (frozenset({'zookeeper'}), frozenset()): 'zookeeper',
    (frozenset(), frozenset({'migration'})): 'controllers',
    (frozenset({'zookeeper'}), frozenset({'migration'})): 'controllers',
    (frozenset({'hybrid'}), frozenset({'migration'})): 'hybrid',
    (frozenset({'kraft'}), frozenset({'migration'})): 'dual-write',
    (frozenset(), frozenset({'kraft'})): 'kraft',
    (frozenset({'kraft'}), frozenset({'kraft'})): 'kraft',
    (frozenset({'kraft'}), frozenset()): 'kraft',
}


ORDER = ['new', 'zookeeper', 'controllers', 'hybrid', 'dual-write', 'kraft']
# The first phase in which a node has each stage.
REACHED = {(False, 'zookeeper'): 'zookeeper', (False, 'hybrid'): 'hybrid', (False, 'kraft'): 'dual-write',
           (True, 'migration'): 'controllers', (True, 'kraft'): 'kraft'}


def kraft_migration_phase(stages, controllers, unfinished=False):
    found = (frozenset(stage for host, stage in stages.items() if host not in controllers and stage != 'none'),
             frozenset(stage for host, stage in stages.items() if host in controllers and stage != 'none'))
    if found not in PHASES and unfinished:
        return max((REACHED.get((host in controllers, stage), 'new') for host, stage in stages.items()), key=ORDER.index)
    if found not in PHASES:
        raise AnsibleFilterError(
            'The cluster is between two migration phases (a roll stopped half way?); each node as deployed: %s. '
            'Finish the phase with playbooks/migrate-to-kraft.yml, or roll it back (docs/kraft-migration.md).'
            % ', '.join('%s %s' % (host, stages[host]) for host in sorted(stages)))
    return PHASES[found]


class FilterModule:
    def filters(self):
        return {'kraft_migration_phase': kraft_migration_phase}
