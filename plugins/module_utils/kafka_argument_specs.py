# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Argument specs of every module of the collection, in one place.

Each ``*_ARGS`` is the keyword arguments of ``AnsibleModule`` for one module; the options they
declare are documented in the module (and the ``kafka`` doc fragment for the connection).
"""

from __future__ import annotations

# The connection options of every Kafka module (the ``kafka_ansible.cluster.kafka`` doc fragment).
CONNECTION_OPTIONS = dict(
    bootstrap_servers=dict(type='list', elements='str', required=True),
    security_protocol=dict(type='str', default='PLAINTEXT',
                           choices=['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
    ssl_cafile=dict(type='path'),
    ssl_certfile=dict(type='path'),
    ssl_keyfile=dict(type='path'),
    ssl_password=dict(type='str', no_log=True),
    ssl_check_hostname=dict(type='bool', default=True),
    sasl_mechanism=dict(type='str', choices=['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
    sasl_username=dict(type='str'),
    sasl_password=dict(type='str', no_log=True),
    request_timeout=dict(type='int', default=30),
    retries=dict(type='int', default=5),
)

_SASL = ['sasl_mechanism', 'sasl_username', 'sasl_password']
CONNECTION_REQUIRED_IF = [
    ('security_protocol', 'SASL_PLAINTEXT', _SASL),
    ('security_protocol', 'SASL_SSL', _SASL),
]

# One topic: the top level of kafka_topic, an item of kafka_topics.
TOPIC_OPTIONS = dict(
    name=dict(type='str', required=True),
    partitions=dict(type='int'),
    replication_factor=dict(type='int'),
    configs=dict(type='dict'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
)

# How kafka_topic and kafka_topics apply a plan.
ENGINE_OPTIONS = dict(
    allow_replication_factor_change=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=300),
)

PRUNE_OPTIONS = dict(
    prune=dict(type='bool', default=False),
    prune_prefix=dict(type='str'),
    prune_regex=dict(type='str'),
    prune_max_deletions=dict(type='int', default=10),
)


def _kafka_module(*option_sets):
    spec = {}
    for options in option_sets + (CONNECTION_OPTIONS,):
        spec.update(options)
    return dict(argument_spec=spec, required_if=CONNECTION_REQUIRED_IF, supports_check_mode=True)


KAFKA_TOPIC_ARGS = _kafka_module(TOPIC_OPTIONS, ENGINE_OPTIONS)
KAFKA_TOPICS_ARGS = _kafka_module(
    dict(topics=dict(type='list', elements='dict', required=True, options=TOPIC_OPTIONS)),
    PRUNE_OPTIONS, ENGINE_OPTIONS)
KAFKA_TOPIC_INFO_ARGS = _kafka_module(dict(
    names=dict(type='list', elements='str'),
    pattern=dict(type='str'),
    include_internal=dict(type='bool', default=False),
))
KAFKA_CLUSTER_HEALTH_ARGS = _kafka_module(dict(
    broker_id=dict(type='int'),
    controller_id=dict(type='int'),
    allow_unprotected=dict(type='bool', default=False),
))
KAFKA_CLUSTER_STATUS_ARGS = _kafka_module(dict(
    log_dirs=dict(type='bool', default=True),
    consumer_groups=dict(type='bool', default=True),
    max_listed=dict(type='int', default=10),
))
# kafka_acls (documented in the module). The values of an entry are checked by kafka_acl_plan,
# not with choices here, so that one run names every bad entry at once.
ACL_OPTIONS = dict(
    principals=dict(type='list', elements='str', required=True),
    host=dict(type='str', default='*'),
    operations=dict(type='list', elements='str', required=True),
    permission=dict(type='str', default='allow'),
    resource_type=dict(type='str', required=True),
    resource_name=dict(type='str'),
    pattern_type=dict(type='str', default='literal'),
    state=dict(type='str', default='present'),
)
KAFKA_ACLS_ARGS = _kafka_module(
    dict(acls=dict(type='list', elements='dict', required=True, options=ACL_OPTIONS),
         prune_principals=dict(type='list', elements='str', default=[]),
         wait_timeout=dict(type='int', default=60)),
    PRUNE_OPTIONS)
# How zookeeper_info and kafka_zookeeper_user reach ZooKeeper (documented in the modules).
ZOOKEEPER_CONNECTION = dict(
    timeout=dict(type='float', default=5.0),
    use_ssl=dict(type='bool', default=False),
    ssl_cafile=dict(type='path'),
    ssl_certfile=dict(type='path'),
    ssl_keyfile=dict(type='path'),
    ssl_password=dict(type='str', no_log=True),
    ssl_check_hostname=dict(type='bool', default=True),
    sasl_mechanism=dict(type='str', default='DIGEST-MD5', choices=['DIGEST-MD5']),
    sasl_username=dict(type='str'),
    sasl_password=dict(type='str', no_log=True),
)


def _zookeeper_module(options):
    return dict(
        argument_spec=dict(options, **ZOOKEEPER_CONNECTION),
        required_together=[('sasl_username', 'sasl_password')],
        required_by={'ssl_keyfile': 'ssl_certfile'},
        supports_check_mode=True,
    )


ZOOKEEPER_INFO_ARGS = _zookeeper_module(dict(
    servers=dict(type='list', elements='str', required=True),
    paths=dict(type='list', elements='str', default=[]),
))
KAFKA_ZOOKEEPER_USER_ARGS = _zookeeper_module(dict(
    zookeeper_connect=dict(type='str', required=True),
    name=dict(type='str', required=True),
    password=dict(type='str', required=True, no_log=True),
    mechanisms=dict(type='list', elements='str', default=['SCRAM-SHA-512'], choices=['SCRAM-SHA-256', 'SCRAM-SHA-512']),
    iterations=dict(type='int', default=4096),
    update_password=dict(type='str', default='always', choices=['always', 'on_create'], no_log=False),
))

# kafka_reassignment (documented in the module).
KAFKA_REASSIGNMENT_ARGS = _kafka_module(dict(
    mode=dict(type='str', required=True, choices=['balance', 'drain', 'report']),
    brokers=dict(type='list', elements='int', default=[]),
    topics=dict(type='list', elements='str'),
    topic_regex=dict(type='str'),
    include_internal=dict(type='bool', default=True),
    batch_size=dict(type='int', default=10),
    throttle=dict(type='int', default=52428800),
    wait_timeout=dict(type='int', default=600),
    elect_leaders=dict(type='bool', default=True),
))

# kafka_users (documented in the module). The values of an entry are checked by kafka_user_plan,
# not with choices here, so that one run names every bad entry at once.
USER_OPTIONS = dict(
    name=dict(type='str', required=True),
    mechanisms=dict(type='list', elements='str', aliases=['mechanism']),
    password=dict(type='str', no_log=True),
    iterations=dict(type='int', default=4096),
    state=dict(type='str', default='present'),
)
KAFKA_USERS_ARGS = _kafka_module(
    dict(users=dict(type='list', elements='dict', required=True, options=USER_OPTIONS),
         update_password=dict(type='str', default='always', choices=['always', 'on_create'], no_log=False),
         login_bootstrap_servers=dict(type='list', elements='str'),
         login_security_protocol=dict(type='str', choices=['SASL_PLAINTEXT', 'SASL_SSL']),
         login_ssl_cafile=dict(type='path'),
         wait_timeout=dict(type='int', default=60)),
    PRUNE_OPTIONS)

# kafka_quotas (documented in the module). An entry's names, values and state are checked by
# kafka_quota_plan, not with choices here, so that one run names every bad entry at once.
QUOTA_OPTIONS = dict(
    user=dict(type='str'),
    default_user=dict(type='bool', default=False),
    client_id=dict(type='str'),
    default_client_id=dict(type='bool', default=False),
    producer_byte_rate=dict(type='int'),
    consumer_byte_rate=dict(type='int'),
    request_percentage=dict(type='float'),
    controller_mutation_rate=dict(type='float'),
    state=dict(type='str', default='present'),
)
KAFKA_QUOTAS_ARGS = _kafka_module(
    dict(quotas=dict(type='list', elements='dict', required=True, options=QUOTA_OPTIONS),
         wait_timeout=dict(type='int', default=60)),
    PRUNE_OPTIONS)
