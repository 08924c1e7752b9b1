#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: zookeeper_info
short_description: Report the state of a ZooKeeper ensemble and read znodes
description:
  - Asks every listed ZooKeeper server for C(srvr) and reports whether it serves and in which mode
    (leader, follower, standalone). A member without quorum does not serve.
  - Optionally reads znodes (data, children and ACL) through the first serving server, for example
    C(/kafka/brokers/ids/1) to prove that a Kafka broker is registered.
  - Connects plainly, over TLS (O(use_ssl), optionally with a client certificate) and/or with SASL DIGEST-MD5
    (O(sasl_username), O(sasl_password)); the four-letter word C(srvr) goes over the same plain or TLS connection.
  - Needs the Python library kazoo (and pure-sasl for SASL) on the host it runs on; the roles install them in
    C(kafka_python_venv) (the interpreter C(zookeeper_modules_python) of the role C(kafka_ansible.cluster.common)).
  - It never changes anything.
requirements:
  - kazoo
  - pure-sasl (for SASL)
version_added: "1.0.0"
author: Kafka Ansible contributors
extends_documentation_fragment: [kafka_ansible.cluster.zookeeper]
options:
  servers:
    description: ZooKeeper servers as C(host:port).
    type: list
    elements: str
    required: true
  paths:
    description: Znodes to read.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
'''

EXAMPLES = r'''
- name: Wait until the ensemble serves with exactly one leader
  kafka_ansible.cluster.zookeeper_info:
    servers: [zk1:2181, zk2:2181, zk3:2181]
  register: ensemble
  until: ensemble.serving == 3 and ensemble.leaders == 1
  retries: 30
  delay: 2

- name: Check that broker 1 is registered
  kafka_ansible.cluster.zookeeper_info:
    servers: [zk1:2181]
    paths: [/kafka/brokers/ids/1]
  register: zk
  failed_when: not zk.znodes['/kafka/brokers/ids/1'].exists

- name: The same over TLS with a client certificate, as a SASL user
  kafka_ansible.cluster.zookeeper_info:
    servers: [zk1:2182]
    paths: [/kafka/brokers/ids]
    use_ssl: true
    ssl_cafile: /etc/zookeeper/tls/ca.pem
    ssl_certfile: /etc/zookeeper/tls/client.pem
    sasl_username: kafka
    sasl_password: "{{ vault_zookeeper_kafka_password }}"
'''

RETURN = r'''
servers:
  description: One entry per server, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    server:
      description: The server as given.
      type: str
    serving:
      description: Whether it serves requests (has a mode).
      type: bool
    mode:
      description: "V(leader), V(follower), V(standalone) or V(observer); null when not serving."
      type: str
    zxid:
      description: Last zxid seen.
      type: str
    version:
      description: ZooKeeper version.
      type: str
    error:
      description: Why it could not be asked, if so.
      type: str
serving:
  description: Number of servers that serve.
  returned: always
  type: int
leaders:
  description: Number of servers in mode leader or standalone.
  returned: always
  type: int
znodes:
  description: For each path, whether it exists, its data, its children and its ACL (C(scheme), C(id), C(perms)), as the session that read it may see them.
  returned: always
  type: dict
  sample: {"/kafka/brokers/ids": {"exists": true, "data": "", "children": ["1", "2", "3"],
                                   "acls": [{"scheme": "sasl", "id": "kafka", "perms": ["ALL"]},
                                            {"scheme": "world", "id": "anyone", "perms": ["READ"]}]}}
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import ZOOKEEPER_INFO_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.zookeeper_client import (
    CONNECTION_OPTIONS, KAZOO_IMPORT_ERROR, ZooKeeperError, ZooKeeperReader, four_letter_word, parse_srvr)


def main():
    module = AnsibleModule(**ZOOKEEPER_INFO_ARGS)
    if KAZOO_IMPORT_ERROR is not None:
        module.fail_json(msg=missing_required_lib('kazoo'), exception=str(KAZOO_IMPORT_ERROR))
    timeout = module.params['timeout']
    options = dict((name, module.params[name]) for name in CONNECTION_OPTIONS)

    servers = []
    for server in module.params['servers']:
        try:
            status = parse_srvr(four_letter_word(server, 'srvr', timeout, options))
            status.pop('raw')
            status['error'] = None
        except (OSError, ValueError) as exc:
            status = {'serving': False, 'mode': None, 'zxid': None, 'version': None, 'node_count': None,
                      'error': str(exc)}
        status['server'] = server
        servers.append(status)

    znodes = {}
    if module.params['paths']:
        serving = [s['server'] for s in servers if s['serving']]
        if not serving:
            module.fail_json(msg='no ZooKeeper server serves, cannot read znodes', servers=servers)
        try:
            with ZooKeeperReader(serving[0], timeout=timeout, options=options) as zk:
                for path in module.params['paths']:
                    data = zk.get(path)
                    znodes[path] = {'exists': data is not None, 'data': data,
                                    'children': zk.children(path) or [], 'acls': zk.acls(path) or []}
        except (OSError, ZooKeeperError) as exc:
            module.fail_json(msg='reading znodes from %s failed: %s' % (serving[0], exc), servers=servers)

    module.exit_json(
        changed=False,
        servers=servers,
        serving=sum(1 for s in servers if s['serving']),
        leaders=sum(1 for s in servers if s['mode'] in ('leader', 'standalone')),
        znodes=znodes,
    )


if __name__ == '__main__':
    main()
