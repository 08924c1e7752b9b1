# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Connection options shared by the Kafka modules (see module_utils/kafka_argument_specs.py)."""

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r"""
options:
  bootstrap_servers:
    description:
      - Brokers to bootstrap from, as C(host:port) items or one comma-separated string.
      - Only one needs to answer; the client discovers the rest of the cluster.
    type: list
    elements: str
    required: true
  security_protocol:
    description: Protocol of the listener the module connects to.
    type: str
    default: PLAINTEXT
    choices: [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]
  ssl_cafile:
    description: CA certificate (PEM) to verify the brokers with, for C(SSL) and C(SASL_SSL).
    type: path
  ssl_certfile:
    description: Client certificate (PEM) for TLS client authentication.
    type: path
  ssl_keyfile:
    description: Private key (PEM) of O(ssl_certfile).
    type: path
  ssl_password:
    description: Password of O(ssl_keyfile).
    type: str
  ssl_check_hostname:
    description: Verify that the broker certificate matches the host name.
    type: bool
    default: true
  sasl_mechanism:
    description: SASL mechanism; required with C(SASL_PLAINTEXT) and C(SASL_SSL).
    type: str
    choices: [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512]
  sasl_username:
    description: SASL user name; required with C(SASL_PLAINTEXT) and C(SASL_SSL).
    type: str
  sasl_password:
    description: SASL password; required with C(SASL_PLAINTEXT) and C(SASL_SSL).
    type: str
  request_timeout:
    description:
      - Seconds a single request to the cluster may take, and how long the broker may work
        on one create, delete or partition request before answering.
    type: int
    default: 30
  retries:
    description:
      - How often a request that failed with a retriable error (no controller, throttled,
        timed out, connection lost) is retried, with exponential backoff.
    type: int
    default: 5
requirements:
  - kafka-python >= 3.0 on the host that runs the module
notes:
  - The module talks to the Kafka admin API over the network, so it can run on the Ansible
    controller (with C(delegate_to=localhost) and C(run_once=true)) or on any host that reaches
    a broker listener, for example a broker node.
  - One admin connection is opened per task run, whatever the number of topics.
"""

    # Attributes of the modules that only read the cluster (kafka_ansible.cluster.kafka.read_only).
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
"""
