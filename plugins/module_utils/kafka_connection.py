# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The admin client of the Kafka modules: options, the kafka-python import guard and retries.

Nothing here talks to Ansible: a failure to connect is raised as KafkaModuleError, which the
module faces turn into ``fail_json``.
"""

from __future__ import annotations

import time
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_refresh import restart_an_ended_refresh_loop

try:
    import kafka
    import kafka.errors as Errors
    from kafka import TopicPartition
    from kafka.admin import AlterConfigOp, ConfigResource, KafkaAdminClient
    from kafka.errors import KafkaError
    KAFKA_IMPORT_ERROR = None
    restart_an_ended_refresh_loop()
except ImportError:
    KAFKA_IMPORT_ERROR = traceback.format_exc()
    # connect() raises before any of these is used.
    kafka = Errors = TopicPartition = AlterConfigOp = ConfigResource = KafkaAdminClient = None

    class KafkaError(Exception):
        """Stand-in so that ``except KafkaError`` works without the library."""

MAX_BACKOFF = 10.0


class KafkaModuleError(Exception):
    """A task failure: ``msg`` plus the extra result keys the module returns with it."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


def finish(module, run):
    """End a module with what ``run()`` returns (result, warnings), or fail with its KafkaModuleError."""
    try:
        result, warnings = run()
    except KafkaModuleError as e:
        module.fail_json(msg=e.msg, **e.result)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(**result)


def prune_scope(params, *extra):
    """The prune options of a module: None unless ``prune`` is on, else prefix, regex, max_deletions and ``extra``."""
    if not params['prune']:
        return None
    return dict((name, params['prune_' + name]) for name in ('prefix', 'regex', 'max_deletions') + extra)


def apply_reporting(applier, changes, what):
    """``applier.run()``; whatever breaks, the failure says how many ``what`` were applied (``applied``)."""
    try:
        applier.run()
    except Exception as e:  # say what was applied, whatever broke
        raise KafkaModuleError('Failed after applying %d %s (see applied): %s' % (len(applier.applied), what, e),
                               changed=bool(applier.applied), applied=applier.applied, changes=changes,
                               exception=traceback.format_exc())


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


def with_retries(call, retries, sleep=None):
    """Run ``call()``; retry retriable Kafka errors (not controller, throttled, timeouts,
    lost connections) with exponential backoff."""
    sleep = sleep or time.sleep
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
    """One admin client for the whole module run; every call retried."""

    def __init__(self, client, retries, timeout_ms):
        self.client = client
        self.retries = retries
        self.timeout_ms = timeout_ms

    def call(self, method, *args, on_attempt=None, **kwargs):
        """Call ``client.method``; ``on_attempt()`` runs before each try, so a caller can tell
        a request that was sent before (and whose answer was lost) from a first one."""
        def attempt():
            if on_attempt is not None:
                on_attempt()
            return getattr(self.client, method)(*args, **kwargs)
        return with_retries(attempt, self.retries)

    def close(self):
        self.client.close()


def connect(params):
    """A KafkaAdmin for the module parameters; raises KafkaModuleError."""
    if KAFKA_IMPORT_ERROR:
        raise KafkaModuleError(missing_required_lib('kafka-python >= 3.0'), exception=KAFKA_IMPORT_ERROR)
    if int(kafka.__version__.split('.')[0]) < 3:
        raise KafkaModuleError(missing_required_lib('kafka-python >= 3.0') + ' (found kafka-python %s)' % kafka.__version__)
    retries = params['retries']
    try:
        client = with_retries(lambda: KafkaAdminClient(**admin_client_options(params)), retries)
    except Exception as e:
        raise KafkaModuleError('Cannot connect to Kafka at %s: %s' % (','.join(params['bootstrap_servers']), e))
    return KafkaAdmin(client, retries, params['request_timeout'] * 1000)
