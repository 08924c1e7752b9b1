# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""How to change a static ZooKeeper ensemble without ever having two majorities that do not overlap."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r'''
name: zookeeper_ensemble_steps
short_description: The steps that take a running ZooKeeper ensemble to the members of the inventory
description:
  - Reads the running ensemble from the data of the znode C(/zookeeper/config) (one C(server.N=host:...) line per
    member) and compares it with the members the inventory wants.
  - Returns one step per member that joins or leaves, one member at a time. Between two ensembles that differ by
    one member, every majority of the one overlaps every majority of the other (m(n) + m(n+1) > n + 1 where
    m(n) = n // 2 + 1), so at no moment can two leaders be elected; two members at once do not have that property
    (from 3 to 5, the 2 old followers and 3 members of the new list are disjoint majorities).
  - Refuses, naming the members, a target with an even number of members, a change that adds and removes members
    in the same run, and a change that removes half of the running ensemble or more.
positional: _input, target
options:
  _input:
    description: The data of C(/zookeeper/config) as read from a serving member.
    type: str
    required: true
  target:
    description: Inventory names of the members wanted, in the inventory's order.
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
steps: "{{ config_data | kafka_ansible.cluster.zookeeper_ensemble_steps(groups['zookeeper']) }}"
'''

RETURN = r'''
_value:
  description: >-
    One entry per step, in order: C(step) (its number, from 1), C(members) (the ensemble after the step), C(joins) and
    C(leaves) (the member that joins or leaves in it, else null). The last step's members are the target's. Empty when nothing changes.
  type: list
  elements: dict
'''

SERVER = re.compile(r'^server\.(\d+)=([^:;\s]+)', re.MULTILINE)


def running_members(config):
    """The members of /zookeeper/config, by id."""
    return [host for _, host in sorted((int(sid), host) for sid, host in SERVER.findall(config or ''))]


def zookeeper_ensemble_steps(config, target):
    current = running_members(config)
    target = list(target)
    if not current:
        raise AnsibleFilterError('cannot read the running ensemble: /zookeeper/config has no server lines (%r)' % config)
    if len(target) % 2 == 0:
        raise AnsibleFilterError('the inventory asks for an ensemble of %d members %s: it must be odd (2N+1 tolerates N '
                                 'failures, one more member tolerates none more)' % (len(target), target))
    joining = [m for m in target if m not in current]
    leaving = [m for m in current if m not in target]
    if joining and leaving:
        raise AnsibleFilterError('members join (%s) and leave (%s) in the same change: add them in one run, remove the '
                                 'others in the next' % (', '.join(joining), ', '.join(leaving)))
    if 2 * len(leaving) >= len(current):
        raise AnsibleFilterError('removing %d of the %d running members (%s) at once removes a majority: remove fewer '
                                 'than half in one run' % (len(leaving), len(current), ', '.join(leaving)))
    steps, members = [], current
    for joins in joining:
        members = members + [joins]
        steps.append({'step': len(steps) + 1, 'members': members, 'joins': joins, 'leaves': None})
    for leaves in leaving:
        members = [m for m in members if m != leaves]
        steps.append({'step': len(steps) + 1, 'members': members, 'joins': None, 'leaves': leaves})
    if steps:
        steps[-1]['members'] = target
    return steps


class FilterModule:
    def filters(self):
        return {'zookeeper_ensemble_steps': zookeeper_ensemble_steps}
