# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""How zookeeper_info and kafka_zookeeper_user reach ZooKeeper (see ZOOKEEPER_CONNECTION in
module_utils/kafka_argument_specs.py)."""

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  timeout:
    description: Socket timeout in seconds for each server.
    type: float
    default: 5.0
  use_ssl:
    description:
      - Connect over TLS (ZooKeeper's C(secureClientPort)).
      - The server's certificate is verified against O(ssl_cafile) (else the system's CAs).
    type: bool
    default: false
  ssl_cafile:
    description: CA certificates (PEM) to verify the servers with.
    type: path
  ssl_certfile:
    description:
      - Client certificate (PEM) for servers that require one (C(ssl.clientAuth=need)).
      - May also hold the private key, then O(ssl_keyfile) is not needed.
    type: path
  ssl_keyfile:
    description: Private key (PEM) of O(ssl_certfile).
    type: path
  ssl_password:
    description: Password of O(ssl_keyfile), when it is encrypted.
    type: str
  ssl_check_hostname:
    description: Check that each server's certificate names it as given.
    type: bool
    default: true
  sasl_mechanism:
    description: SASL mechanism; ZooKeeper's without Kerberos is DIGEST-MD5.
    type: str
    choices: [DIGEST-MD5]
    default: DIGEST-MD5
  sasl_username:
    description:
      - Log in to ZooKeeper with SASL as this user (a C(user_<name>) of the servers' JAAS C(Server) section), for
        example the brokers' own, who owns Kafka's znodes. The four-letter word C(srvr) needs no login.
    type: str
  sasl_password:
    description: Password of O(sasl_username); never logged.
    type: str
"""
