# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""One path from a dict of settings to a Java properties file (server.properties, zoo.cfg)."""

from __future__ import annotations

import re

DOCUMENTATION = r'''
name: java_properties
short_description: Render a dict as a Java properties file, optionally with secret values masked
description:
  - One C(key=value) line per entry, sorted by key; booleans as C(true)/C(false); entries whose value is null are left
    out (so that a null in a user's dict removes one of the role's defaults).
  - With O(masked=true), the values of keys that name a secret (containing C(password), C(secret), C(credential),
    C(token) or C(jaas.config), or ending in C(key)) are replaced by C(********), for output people and logs see;
    except values that carry no secret themselves - a config provider reference (C(${dir:/etc/kafka/tls:node.key})) or
    a JAAS login module line without options (C(...ScramLoginModule required;)).
positional: _input
options:
  _input:
    description: The settings.
    type: dict
    required: true
  masked:
    description: Replace the values of secret keys.
    type: bool
    default: false
'''

EXAMPLES = r'''
content: "{{ {'broker.id': 1, 'ssl.key.password': 'x'} | kafka_ansible.cluster.java_properties(masked=true) }}"
# broker.id=1
# ssl.key.password=********
'''

RETURN = r'''
_value:
  description: The file's text, ending with a newline.
  type: str
'''

SECRET_KEY = re.compile(r'password|secret|credential|token|jaas\.config|(^|[._])key$', re.IGNORECASE)
MASK = '********'
# Values that only point at a secret, or hold none.
NOT_A_SECRET = re.compile(r'^(\$\{[^}]*\}|[\w.$]+ (required|requisite|sufficient|optional);)$')


def is_secret(key, value):
    return bool(SECRET_KEY.search(key)) and not NOT_A_SECRET.match(str(value))


def _value(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


def java_properties(settings, masked=False):
    lines = []
    for key in sorted(settings):
        if settings[key] is None:
            continue
        value = MASK if masked and is_secret(key, settings[key]) else _value(settings[key])
        lines.append('%s=%s\n' % (key, value))
    return ''.join(lines)


class FilterModule:
    def filters(self):
        return {'java_properties': java_properties}
