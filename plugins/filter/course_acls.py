# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The ACLs that keep the course's students apart (playbooks/course.yml), as entries of kafka_acls."""

from __future__ import annotations

DOCUMENTATION = r'''
name: course_acls
short_description: The ACLs of the course's isolation, one student per login
description:
  - For each login, C(all) on the topic and on the consumer group named after it (literal) and on those
    prefixed with C(<login>-). The dash keeps C(ann) from owning C(anna)'s topics.
  - For every login together, C(read) and C(describe) on every topic, and C(read) on the groups prefixed
    C(console-consumer-), the random groups of C(kafka-console-consumer).
  - The entries are those of the module C(kafka_ansible.cluster.kafka_acls) (its option C(acls)).
positional: _input
options:
  _input:
    description: The students' logins (C(course_students)); each is the principal C(User:<login>).
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
acls: "{{ course_students | kafka_ansible.cluster.course_acls }}"
'''

RETURN = r'''
_value:
  description: ACL entries for C(kafka_acls); none for an empty list.
  type: list
  elements: dict
'''


def course_acls(logins):
    if not logins:
        return []
    everyone = ['User:%s' % login for login in logins]
    acls = [dict(principals=['User:%s' % login], operations=['all'], resource_type=kind,
                 resource_name=name, pattern_type=pattern)
            for kind in ('topic', 'group')
            for login in logins
            for name, pattern in ((login, 'literal'), (login + '-', 'prefixed'))]
    return acls + [
        dict(principals=everyone, operations=['read', 'describe'], resource_type='topic', resource_name='*',
             pattern_type='literal'),
        dict(principals=everyone, operations=['read'], resource_type='group', resource_name='console-consumer-',
             pattern_type='prefixed'),
    ]


class FilterModule:
    def filters(self):
        return {'course_acls': course_acls}
