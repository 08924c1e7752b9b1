# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""A node's PEM key, certificate and CA as Kafka reads them: the one rule for brokers and clients alike."""

from __future__ import annotations

DOCUMENTATION = r'''
name: kafka_pem_stores
short_description: The keystore and truststore settings of a node's PEM files
description:
  - The C(ssl.keystore.*) and C(ssl.truststore.*) settings of a Kafka broker or client that read the node's
    C(node.key), C(node.crt) and C(ca.crt) from a directory, through Kafka's directory config provider (so no
    keystore, no keystore password and no copy of the key in the properties file).
  - The filter C(kafka_ansible.cluster.kafka_listeners) uses it for the brokers; the role C(kafka_cli) for root's
    client settings on a broker.
positional: _input
options:
  _input:
    description: Directory of the node's C(node.key), C(node.crt) and C(ca.crt).
    type: str
    required: true
'''

EXAMPLES = r'''
properties: "{{ {'security.protocol': 'SSL'} | combine('/etc/kafka/tls' | kafka_ansible.cluster.kafka_pem_stores) }}"
'''

RETURN = r'''
_value:
  description: Java properties (config.providers, ssl.keystore.*, ssl.truststore.*).
  type: dict
'''


def kafka_pem_stores(tls_dir):
    return {
        'config.providers': 'dir',
        'config.providers.dir.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.key': '${dir:%s:node.key}' % tls_dir,
        'ssl.keystore.certificate.chain': '${dir:%s:node.crt}' % tls_dir,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': '%s/ca.crt' % tls_dir,
    }


class FilterModule:
    def filters(self):
        return {'kafka_pem_stores': kafka_pem_stores}
