#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: kafka_zookeeper_user
short_description: Store a Kafka SCRAM user straight in ZooKeeper, for brokers that log in with it
description:
  - Writes the SCRAM credentials of one user to C(/config/users/<name>) under the cluster's chroot, the way
    C(kafka-configs --zookeeper) does, and announces the change to running brokers (C(/config/changes)).
    Other settings of that znode (a user's quotas) and other mechanisms are kept.
  - For the brokers' own user on a SASL inter-broker listener, which must exist before any broker starts on it
    (no broker is there to take the Admin API call yet). Other users belong to M(kafka_ansible.cluster.kafka_users).
  - Idempotent without a login. The stored salt and iterations are read back, the declared password's keys are
    computed with them and compared, as a broker checks a login. A credential is rewritten, with a new salt,
    only when the password or the iterations differ, and with O(update_password=on_create) only when missing.
  - New znodes get Kafka's own ACLs when the session logs in with SASL (the logged-in user may do everything,
    the world may read, except under C(/config/users), which stays unreadable to others); open ACLs otherwise.
  - The password never reaches the output; check mode reports what a real run would write.
  - Needs the Python library kazoo (and pure-sasl for SASL); the roles install them in C(kafka_python_venv).
requirements:
  - kazoo
  - pure-sasl (for SASL)
version_added: "1.0.0"
author: Kafka Ansible contributors
extends_documentation_fragment: [kafka_ansible.cluster.zookeeper]
options:
  zookeeper_connect:
    description: The brokers' C(zookeeper.connect), C(host:port[,host:port...][/chroot]).
    type: str
    required: true
  name:
    description: The user, letters, digits, C(.), C(_) and C(-) only.
    type: str
    required: true
  password:
    description: Its password; never logged.
    type: str
    required: true
  mechanisms:
    description: The SCRAM mechanisms to store the password for.
    type: list
    elements: str
    choices: [SCRAM-SHA-256, SCRAM-SHA-512]
    default: [SCRAM-SHA-512]
  iterations:
    description: PBKDF2 iterations, V(4096) to V(16384) (the bounds Kafka enforces).
    type: int
    default: 4096
  update_password:
    description:
      - V(always) rewrites a stored credential that does not take the password; V(on_create) writes missing ones
        only and reports the others in RV(mismatched).
      - A running broker that logs in as this user keeps its password until it restarts, and the brokers that
        already have the new one refuse it; V(on_create) lets a caller stop before that happens.
    type: str
    choices: [always, on_create]
    default: always
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
    details: The only thing that changes is a secret.
'''

EXAMPLES = r'''
- name: Store the brokers' own SCRAM user before they start on the SASL inter-broker listener
  kafka_ansible.cluster.kafka_zookeeper_user:
    zookeeper_connect: zk1:2181,zk2:2181,zk3:2181/kafka
    name: kafka-broker
    password: "{{ vault_kafka_broker_password }}"
    mechanisms: [SCRAM-SHA-512]
    sasl_username: kafka
    sasl_password: "{{ vault_zookeeper_kafka_password }}"
'''

RETURN = r'''
written:
  description: The mechanisms whose credential was (or, in check mode, would be) written.
  returned: always
  type: list
  elements: str
  sample: [SCRAM-SHA-512]
mismatched:
  description: With O(update_password=on_create), the mechanisms whose stored credential does not take the password.
  returned: always
  type: list
  elements: str
  sample: []
znode:
  description: The user's znode.
  returned: always
  type: str
  sample: /kafka/config/users/kafka-broker
'''

import json
import re

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_scram
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_plan import MAX_ITERATIONS, MIN_ITERATIONS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_ZOOKEEPER_USER_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.zookeeper_client import (
    CONNECTION_OPTIONS, KAZOO_IMPORT_ERROR, ZooKeeperError, ZooKeeperWriter, parse_connect)

try:
    from kazoo.security import OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, make_acl
except ImportError:  # reported through KAZOO_IMPORT_ERROR
    pass

NAME = re.compile(r'^[A-Za-z0-9._-]+$')
# Kafka's ZkData.SensitiveRootPaths: readable by the brokers' user only.
SENSITIVE = ('/config/users', '/config/brokers', '/delegation_token')


def kafka_acl(chroot, sasl_username):
    """Kafka's ZkData.defaultAcls for a path, as a function of the path (chroot included)."""
    def acl(path):
        if not sasl_username:
            return OPEN_ACL_UNSAFE
        relative = path[len(chroot):] if chroot and path.startswith(chroot) else path
        owner = [make_acl('sasl', sasl_username, all=True)]
        return owner if relative.startswith(SENSITIVE) else owner + READ_ACL_UNSAFE
    return acl


def problems(params):
    errors = []
    if not NAME.match(params['name']):
        errors.append('name %r: letters, digits, ".", "_" and "-" only' % params['name'])
    if not MIN_ITERATIONS <= params['iterations'] <= MAX_ITERATIONS:
        errors.append('iterations %d: Kafka accepts %d to %d' % (params['iterations'], MIN_ITERATIONS, MAX_ITERATIONS))
    if not params['password']:
        errors.append('password: empty')
    if not params['mechanisms']:
        errors.append('mechanisms: none given')
    return errors


def planned(current, params):
    """(to write, mismatched): the mechanisms whose stored credential does not take the password with the declared
    iterations; with update_password=on_create those already stored are mismatched instead of written."""
    wrong = [mechanism for mechanism in dict.fromkeys(params['mechanisms'])
             if not kafka_scram.matches(current.get(mechanism), params['password'], mechanism, params['iterations'])]
    mismatched = [mechanism for mechanism in wrong if mechanism in current] if params['update_password'] == 'on_create' else []
    return [mechanism for mechanism in wrong if mechanism not in mismatched], mismatched


def main():
    module = AnsibleModule(**KAFKA_ZOOKEEPER_USER_ARGS)
    if KAZOO_IMPORT_ERROR is not None:
        module.fail_json(msg=missing_required_lib('kazoo'), exception=str(KAZOO_IMPORT_ERROR))
    params = module.params
    errors = problems(params)
    if errors:
        module.fail_json(msg='Invalid kafka_zookeeper_user: ' + '; '.join(errors) + '; nothing was changed')
    servers, chroot = parse_connect(params['zookeeper_connect'])
    chroot = chroot or ''
    znode = '%s/config/users/%s' % (chroot, params['name'])
    options = dict((name, params[name]) for name in CONNECTION_OPTIONS)
    try:
        with ZooKeeperWriter(servers, kafka_acl(chroot, params['sasl_username']), timeout=params['timeout'],
                             options=options) as zookeeper:
            text = zookeeper.get(znode)
            try:
                stored = json.loads(text) if text else {'version': 1, 'config': {}}
                config = stored['config']
            except (ValueError, KeyError, TypeError):
                module.fail_json(msg='%s does not hold a Kafka entity config: %r; nothing was changed' % (znode, text))
            written, mismatched = planned(config, params)
            if written and not module.check_mode:
                for mechanism in written:
                    config[mechanism] = kafka_scram.credential(params['password'], mechanism, params['iterations'])
                zookeeper.put(znode, json.dumps(stored, separators=(',', ':')))
                # As Kafka's AdminZkClient.changeConfigs: running brokers reload the user's credentials.
                zookeeper.create_sequential(chroot + '/config/changes/config_change_',
                                            json.dumps({'version': 2, 'entity_path': 'users/' + params['name']}))
    except ZooKeeperError as error:
        module.fail_json(msg='Cannot store the SCRAM user %s in ZooKeeper: %s' % (params['name'], error))
    module.exit_json(changed=bool(written), written=written, mismatched=mismatched, znode=znode)


if __name__ == '__main__':
    main()
