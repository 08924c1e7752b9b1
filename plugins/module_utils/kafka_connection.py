# -*- coding: utf-8 -*-
"""Admin-client options, the kafka-python import guard and retries, shared by the Kafka modules."""

from __future__ import annotations

import time
import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import kafka
    import kafka.errors as Errors
    from kafka import TopicPartition
    from kafka.admin import AlterConfigOp, ConfigResource, KafkaAdminClient
    from kafka.errors import KafkaError
    KAFKA_IMPORT_ERROR = None
except ImportError:
    KAFKA_IMPORT_ERROR = traceback.format_exc()
    # KafkaAdmin() fails with missing_required_lib before any of these is used.
    kafka = Errors = TopicPartition = AlterConfigOp = ConfigResource = KafkaAdminClient = None

    class KafkaError(Exception):
        """Stand-in so that ``except KafkaError`` works without the library."""

# Options documented by the ``kafka`` doc fragment.
CONNECTION_ARGUMENT_SPEC = dict(
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

MAX_BACKOFF = 10.0


def admin_client_options(params):
    """KafkaAdminClient keyword arguments from module parameters."""
    timeout_ms = params['request_timeout'] * 1000
    options = {
        'bootstrap_servers': [s.strip() for s in params['bootstrap_servers'] if s.strip()],
        'client_id': 'ansible-kafka-topics',
        'security_protocol': params['security_protocol'],
        # the client must outlive the server-side operation timeout we pass to requests
        'request_timeout_ms': timeout_ms + 5000,
        'bootstrap_timeout_ms': timeout_ms,
    }
    if params['security_protocol'] in ('SSL', 'SASL_SSL'):
        options.update({
            'ssl_cafile': params['ssl_cafile'],
            'ssl_certfile': params['ssl_certfile'],
            'ssl_keyfile': params['ssl_keyfile'],
            'ssl_password': params['ssl_password'],
            'ssl_check_hostname': params['ssl_check_hostname'],
        })
    if params['security_protocol'].startswith('SASL_'):
        options.update({
            'sasl_mechanism': params['sasl_mechanism'],
            'sasl_plain_username': params['sasl_username'],
            'sasl_plain_password': params['sasl_password'],
        })
    return options


def with_retries(call, retries, sleep=time.sleep):
    """Run ``call()``; retry retriable Kafka errors (not controller, throttled, timeouts,
    lost connections) with exponential backoff."""
    delay = 0.5
    for attempt in range(retries + 1):
        try:
            return call()
        except KafkaError as e:
            if not getattr(e, 'retriable', False) or attempt == retries:
                raise
            sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)


class KafkaAdmin:
    """One KafkaAdminClient for the whole module run; every call retried."""

    def __init__(self, module):
        if KAFKA_IMPORT_ERROR:
            module.fail_json(msg=missing_required_lib('kafka-python >= 3.0'), exception=KAFKA_IMPORT_ERROR)
        if int(kafka.__version__.split('.')[0]) < 3:
            module.fail_json(msg=missing_required_lib('kafka-python >= 3.0') +
                             ' (found kafka-python %s)' % kafka.__version__)
        self.retries = module.params['retries']
        self.timeout_ms = module.params['request_timeout'] * 1000
        try:
            self.client = with_retries(lambda: KafkaAdminClient(**admin_client_options(module.params)), self.retries)
        except Exception as e:
            module.fail_json(msg='Cannot connect to Kafka at %s: %s'
                             % (','.join(module.params['bootstrap_servers']), e))

    def call(self, method, *args, **kwargs):
        return with_retries(lambda: getattr(self.client, method)(*args, **kwargs), self.retries)

    def close(self):
        self.client.close()
