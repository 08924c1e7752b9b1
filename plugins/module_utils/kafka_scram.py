# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Kafka's stored SCRAM credentials (RFC 5802), as ZooKeeper-mode brokers keep them in /config/users/<name>.

The text is Kafka's ScramCredentialUtils.credentialToString: `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>`.
A password is checked against it the way a broker checks a login: recompute the keys with its salt and iterations.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import os

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_plan import MIN_ITERATIONS

HASHES = {'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512'}
FIELDS = ('salt', 'stored_key', 'server_key', 'iterations')


def keys(password, mechanism, salt, iterations):
    """(stored_key, server_key) of a password, as raw bytes."""
    digest = HASHES[mechanism]
    salted = hashlib.pbkdf2_hmac(digest, password.encode('utf-8'), salt, iterations)
    client_key = hmac.new(salted, b'Client Key', digest).digest()
    server_key = hmac.new(salted, b'Server Key', digest).digest()
    return hashlib.new(digest, client_key).digest(), server_key


# Kafka's fewest iterations are also kafka-configs' default.
def credential(password, mechanism, iterations=MIN_ITERATIONS, salt=None):
    """The stored credential text of a password, with a new random salt unless one is given."""
    salt = os.urandom(32) if salt is None else salt
    stored_key, server_key = keys(password, mechanism, salt, iterations)
    return 'salt=%s,stored_key=%s,server_key=%s,iterations=%d' % (
        base64.b64encode(salt).decode('ascii'), base64.b64encode(stored_key).decode('ascii'),
        base64.b64encode(server_key).decode('ascii'), iterations)


def parse(text):
    """The fields of a stored credential (salt and keys as bytes), or None when it is not one."""
    try:
        fields = dict(part.split('=', 1) for part in text.split(','))
        if sorted(fields) != sorted(FIELDS):
            return None
        parsed = dict((name, base64.b64decode(fields[name], validate=True)) for name in FIELDS[:3])
        parsed['iterations'] = int(fields['iterations'])
        return parsed
    except (AttributeError, TypeError, ValueError):
        return None


def matches(text, password, mechanism, iterations):
    """Whether the stored credential `text` accepts `password` and has `iterations`."""
    stored = parse(text)
    if stored is None or stored['iterations'] != iterations:
        return False
    stored_key, server_key = keys(password, mechanism, stored['salt'], stored['iterations'])
    return hmac.compare_digest(stored_key, stored['stored_key']) and hmac.compare_digest(server_key, stored['server_key'])
