# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The broker's listeners: the one rule from C(kafka_listeners) to server.properties, and its checks."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible_collections.kafka_ansible.cluster.plugins.filter.kafka_pem_stores import kafka_pem_stores

DOCUMENTATION = r'''
name: kafka_listeners
short_description: The server.properties entries of a broker's listeners, checked
description:
  - Turns the role variable C(kafka_listeners) into C(listeners), C(advertised.listeners),
    C(listener.security.protocol.map) and C(inter.broker.listener.name), the per-listener client authentication
    (C(ssl.client.auth)) and SASL/SCRAM settings, and, when a listener uses TLS, the broker's PEM key, certificate
    chain and CA from O(tls_dir).
  - On a SASL inter-broker listener the brokers log in with the first of its mechanisms as O(inter_broker_login)
    (C(sasl.mechanism.inter.broker.protocol) and the listener's JAAS line with that user and password).
  - A malformed listener fails with an error naming it, before anything is written.
  - The map and the inter-broker name are left out for the single default PLAINTEXT listener, whose file stays
    what it was before listeners were configurable (no restart after an upgrade of the collection).
  - In KRaft mode (O(kraft)) a controller also listens on C(CONTROLLER), and a node that is only a controller has
    that listener alone. It is PLAINTEXT, or SSL with mutual TLS (every broker and controller presents its certificate,
    the principal of its subject CN; the node's PEM files of O(tls_dir)).
positional: _input, advertised_host, inter_broker, tls_dir, inter_broker_login, kraft
options:
  _input:
    description:
      - The listeners, each a dict with C(name), C(port), C(protocol) (C(PLAINTEXT), C(SSL), C(SASL_PLAINTEXT),
        C(SASL_SSL)), on TLS listeners C(client_auth) (C(none), C(requested), C(required)) and on SASL listeners
        C(sasl_mechanisms) (a list of C(SCRAM-SHA-256), C(SCRAM-SHA-512)).
    type: list
    elements: dict
    required: true
  advertised_host:
    description: The name clients are given for this broker.
    type: str
    required: true
  inter_broker:
    description: The name of the listener brokers replicate over.
    type: str
    required: true
  tls_dir:
    description: Directory of the broker's C(node.key), C(node.crt) and C(ca.crt).
    type: str
    required: true
  inter_broker_login:
    description:
      - The brokers' own SCRAM user on a SASL inter-broker listener, C({username, password}); ignored otherwise.
      - The password may not hold C(") or C(\) (it goes into a JAAS line).
    type: dict
    default: {}
  kraft:
    description:
      - KRaft mode, C({broker, controller, controller_port, controller_protocol, migration}) - the node's roles
        (booleans), the controllers' port and protocol (C(PLAINTEXT), the default, or C(SSL)), and whether the node is a
        controller in ZooKeeper migration mode (it then also names the brokers' inter-broker listener).
      - A ZooKeeper broker in migration mode is given the roles of a KRaft broker (C(broker) true, C(controller) false).
      - Omitted in ZooKeeper mode.
    type: dict
'''

EXAMPLES = r'''
properties: >-
  {{ [{'name': 'INTERNAL', 'port': 9094, 'protocol': 'SSL', 'client_auth': 'required'},
      {'name': 'CLIENTS', 'port': 9093, 'protocol': 'SASL_SSL', 'sasl_mechanisms': ['SCRAM-SHA-512']}]
     | kafka_ansible.cluster.kafka_listeners('kafka1.example.com', 'INTERNAL', '/etc/kafka/tls') }}
'''

RETURN = r'''
_value:
  description: server.properties entries.
  type: dict
'''

PROTOCOLS = ('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL')
MECHANISMS = ('SCRAM-SHA-256', 'SCRAM-SHA-512')
CLIENT_AUTH = ('none', 'requested', 'required')
CONTROLLER_PROTOCOLS = ('PLAINTEXT', 'SSL')
KEYS = {'name', 'port', 'protocol', 'client_auth', 'sasl_mechanisms'}
NAME = re.compile(r'^[A-Z][A-Z0-9_]*$')
USERNAME = re.compile(r'^[A-Za-z0-9._-]+$')
SCRAM_LOGIN = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
# Certificates the project's CA issues have the subject CN=<host>: the principal is User:<host>.
PRINCIPAL_RULES = 'RULE:^CN=([^,]+)(,.*)?$/$1/,DEFAULT'


def uses_tls(listener):
    return listener.get('protocol') in ('SSL', 'SASL_SSL')


def listener_errors(listeners, inter_broker, inter_broker_login=None):
    """Every problem of the listener list, each naming its listener."""
    if not isinstance(listeners, list) or not listeners:
        return ['kafka_listeners must be a non-empty list of listeners']
    errors, names, ports = [], set(), set()
    for index, listener in enumerate(listeners):
        if not isinstance(listener, dict):
            errors.append('kafka_listeners[%d] must be a dict, got %r' % (index, listener))
            continue
        label = 'listener %s' % listener.get('name', '#%d' % index)
        unknown = sorted(set(listener) - KEYS)
        if unknown:
            errors.append('%s: unknown keys %s (known: %s)' % (label, ', '.join(unknown), ', '.join(sorted(KEYS))))
        name, protocol = listener.get('name'), listener.get('protocol')
        if not isinstance(name, str) or not NAME.match(name):
            errors.append('%s: name must be upper case letters, digits and _, starting with a letter' % label)
        elif name in names:
            errors.append('%s: name used twice' % label)
        names.add(name)
        try:
            port = int(listener.get('port'))
        except (TypeError, ValueError):
            port = 0
        if not 0 < port < 65536:
            errors.append('%s: port must be a number from 1 to 65535, got %r' % (label, listener.get('port')))
        elif port in ports:
            errors.append('%s: port %d used by another listener' % (label, port))
        ports.add(port)
        if protocol not in PROTOCOLS:
            errors.append('%s: protocol must be one of %s, got %r' % (label, ', '.join(PROTOCOLS), protocol))
        mechanisms = listener.get('sasl_mechanisms')
        if protocol in ('SASL_PLAINTEXT', 'SASL_SSL'):
            if not mechanisms or not isinstance(mechanisms, list) or set(mechanisms) - set(MECHANISMS):
                errors.append('%s: a SASL listener needs sasl_mechanisms, a list of %s; got %r'
                              % (label, ', '.join(MECHANISMS), mechanisms))
        elif mechanisms is not None:
            errors.append('%s: sasl_mechanisms is only for SASL_PLAINTEXT and SASL_SSL listeners' % label)
        client_auth = listener.get('client_auth')
        if client_auth is not None and (not uses_tls(listener) or client_auth not in CLIENT_AUTH):
            errors.append('%s: client_auth (%s) is only for SSL and SASL_SSL listeners'
                          % (label, ', '.join(CLIENT_AUTH)))
    ours = [item for item in listeners if isinstance(item, dict) and item.get('name') == inter_broker]
    if not ours:
        errors.append('kafka_inter_broker_listener %r is not one of the listeners (%s)'
                      % (inter_broker, ', '.join(str(n) for n in sorted(names, key=str))))
    elif ours[0].get('protocol') in ('SASL_PLAINTEXT', 'SASL_SSL'):
        errors.extend(login_errors(inter_broker, inter_broker_login or {}))
    return errors


def login_errors(inter_broker, login):
    errors = []
    if not isinstance(login.get('username'), str) or not USERNAME.match(login['username']):
        errors.append('inter-broker listener %s uses SASL: kafka_inter_broker_sasl_username must be letters, digits, '
                      '".", "_" and "-", got %r' % (inter_broker, login.get('username')))
    password = login.get('password')
    if not isinstance(password, str) or not password:
        errors.append('inter-broker listener %s uses SASL: the brokers need kafka_inter_broker_sasl_password '
                      '(from your vault; there is no default)' % inter_broker)
    elif set(password) & set('"\\\n'):
        errors.append('kafka_inter_broker_sasl_password may not hold a double quote, a backslash or a line break '
                      '(it goes into a JAAS line)')
    return errors


def kafka_listeners(listeners, advertised_host, inter_broker, tls_dir, inter_broker_login=None, kraft=None):
    errors = listener_errors(listeners, inter_broker, inter_broker_login) + (kraft_errors(listeners, kraft) if kraft else [])
    if errors:
        raise AnsibleFilterError('Invalid kafka_listeners: ' + '; '.join(errors))
    properties = broker_listeners(listeners, advertised_host, inter_broker, tls_dir, inter_broker_login)
    return with_controller_listener(properties, listeners, inter_broker, kraft, tls_dir) if kraft else properties


def kraft_errors(listeners, kraft):
    errors = ['listener %s: in KRaft mode the name CONTROLLER and port %s (kafka_controller_port) are the controllers\''
              % (item['name'], kraft['controller_port'])
              for item in listeners
              if item['name'] == 'CONTROLLER' or str(item['port']) == str(kraft['controller_port'])]
    if kraft.get('controller_protocol', 'PLAINTEXT') not in CONTROLLER_PROTOCOLS:
        errors.append('kafka_controller_listener_protocol must be %s, got %r'
                      % (' or '.join(CONTROLLER_PROTOCOLS), kraft['controller_protocol']))
    return errors


def with_controller_listener(properties, listeners, inter_broker, kraft, tls_dir):
    """KRaft: the broker's entries (if it is one) plus the CONTROLLER listener (if it is a controller)."""
    controller = 'CONTROLLER://:%s' % kraft['controller_port']
    protocol = kraft.get('controller_protocol', 'PLAINTEXT')
    # A controller in migration mode sends controller requests to the ZooKeeper brokers, on their inter-broker listener.
    talks_to_brokers = kraft['broker'] or kraft.get('migration')
    result = dict(properties) if kraft['broker'] else {}
    names = [result['listeners']] if kraft['broker'] else []
    protocols = ['%s:%s' % (item['name'], item['protocol']) for item in listeners] if talks_to_brokers else []
    result.update({
        'listeners': ','.join(names + ([controller] if kraft['controller'] else [])),
        'listener.security.protocol.map': ','.join(protocols + ['CONTROLLER:' + protocol]),
        'controller.listener.names': 'CONTROLLER',
    })
    if talks_to_brokers:
        result['inter.broker.listener.name'] = inter_broker
    if protocol == 'SSL':
        # Every node presents its certificate to the controllers (the client side takes the same stores).
        result.update(kafka_pem_stores(tls_dir), **{'ssl.principal.mapping.rules': PRINCIPAL_RULES})
        if kraft['controller']:
            result['listener.name.controller.ssl.client.auth'] = 'required'
    return result


def broker_listeners(listeners, advertised_host, inter_broker, tls_dir, inter_broker_login):
    properties = {
        'listeners': ','.join('%s://:%s' % (item['name'], item['port']) for item in listeners),
        'advertised.listeners': ','.join('%s://%s:%s' % (item['name'], advertised_host, item['port'])
                                         for item in listeners),
    }
    if [(item['name'], item['protocol']) for item in listeners] != [('PLAINTEXT', 'PLAINTEXT')]:
        properties['listener.security.protocol.map'] = ','.join('%s:%s' % (item['name'], item['protocol'])
                                                                for item in listeners)
        properties['inter.broker.listener.name'] = inter_broker
    for item in listeners:
        prefix = 'listener.name.%s.' % item['name'].lower()
        if item.get('client_auth'):
            properties[prefix + 'ssl.client.auth'] = item['client_auth']
        if item.get('sasl_mechanisms'):
            properties[prefix + 'sasl.enabled.mechanisms'] = ','.join(item['sasl_mechanisms'])
        for mechanism in item.get('sasl_mechanisms') or []:
            properties[prefix + mechanism.lower() + '.sasl.jaas.config'] = SCRAM_LOGIN
        if item['name'] == inter_broker and item.get('sasl_mechanisms'):
            mechanism = item['sasl_mechanisms'][0]
            properties['sasl.mechanism.inter.broker.protocol'] = mechanism
            properties[prefix + mechanism.lower() + '.sasl.jaas.config'] = '%s username="%s" password="%s";' % (
                SCRAM_LOGIN[:-1], inter_broker_login['username'], inter_broker_login['password'])
    if any(uses_tls(item) for item in listeners):
        properties.update(kafka_pem_stores(tls_dir), **{'ssl.principal.mapping.rules': PRINCIPAL_RULES})
    return properties


class FilterModule:
    def filters(self):
        return {'kafka_listeners': kafka_listeners}
