# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Admin-client options and the retry loop."""

import kafka.errors as Errors
import pytest
from kafka.admin import KafkaAdminClient

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_connection
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    KafkaAdmin, KafkaModuleError, admin_client_options, connect, with_retries)

PARAMS = {
    'bootstrap_servers': ['k1:9092', ' k2:9092 ', ''],
    'security_protocol': 'PLAINTEXT',
    'ssl_cafile': '/ca.pem', 'ssl_certfile': None, 'ssl_keyfile': None, 'ssl_password': None,
    'ssl_check_hostname': True,
    'sasl_mechanism': None, 'sasl_username': None, 'sasl_password': None,
    'request_timeout': 30, 'retries': 5,
}


def test_plaintext_options_ignore_tls_and_sasl_settings():
    assert admin_client_options(PARAMS) == {
        'bootstrap_servers': ['k1:9092', 'k2:9092'],
        'client_id': 'ansible-kafka-topics',
        'security_protocol': 'PLAINTEXT',
        'request_timeout_ms': 35000,
        'bootstrap_timeout_ms': 30000,
    }


def test_sasl_ssl_options():
    params = dict(PARAMS, security_protocol='SASL_SSL', sasl_mechanism='SCRAM-SHA-512',
                  sasl_username='admin', sasl_password='secret', ssl_check_hostname=False, request_timeout=10)
    assert admin_client_options(params) == {
        'bootstrap_servers': ['k1:9092', 'k2:9092'],
        'client_id': 'ansible-kafka-topics',
        'security_protocol': 'SASL_SSL',
        'request_timeout_ms': 15000,
        'bootstrap_timeout_ms': 10000,
        'ssl_cafile': '/ca.pem', 'ssl_certfile': None, 'ssl_keyfile': None, 'ssl_password': None,
        'ssl_check_hostname': False,
        'sasl_mechanism': 'SCRAM-SHA-512', 'sasl_plain_username': 'admin', 'sasl_plain_password': 'secret',
    }


def test_sasl_plaintext_has_no_tls_options():
    params = dict(PARAMS, security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN',
                  sasl_username='u', sasl_password='p')
    options = admin_client_options(params)
    assert 'ssl_cafile' not in options
    assert options['sasl_mechanism'] == 'PLAIN'


def flaky(errors, result='done'):
    """A call that raises the given errors in turn, then returns result."""
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result
    return call, calls


def test_retriable_errors_are_retried_with_growing_backoff():
    call, calls = flaky([Errors.NotControllerError(), Errors.ThrottlingQuotaExceededError(),
                         Errors.KafkaTimeoutError()])
    sleeps = []
    assert with_retries(call, 5, sleep=sleeps.append) == 'done'
    assert len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_capped():
    call, calls = flaky([Errors.RequestTimedOutError()] * 7)
    sleeps = []
    with_retries(call, 7, sleep=sleeps.append)
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_non_retriable_errors_raise_at_once():
    call, calls = flaky([Errors.TopicAuthorizationFailedError()])
    with pytest.raises(Errors.TopicAuthorizationFailedError):
        with_retries(call, 5, sleep=lambda s: None)
    assert len(calls) == 1


def test_retries_run_out():
    call, calls = flaky([Errors.NotControllerError()] * 3)
    with pytest.raises(Errors.NotControllerError):
        with_retries(call, 2, sleep=lambda s: None)
    assert len(calls) == 3


def test_every_option_is_one_kafka_python_knows():
    params = dict(PARAMS, security_protocol='SASL_SSL', sasl_mechanism='PLAIN', sasl_username='u', sasl_password='p')
    assert set(admin_client_options(params)) <= set(KafkaAdminClient.DEFAULT_CONFIG)


def test_admin_calls_say_when_a_request_is_sent_again(monkeypatch):
    class Client:
        answers = [Errors.KafkaConnectionError('lost'), 'created']

        def create_topics(self, items):
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
    attempts = []
    admin = KafkaAdmin(Client(), retries=2, timeout_ms=1000)
    monkeypatch.setattr(kafka_connection.time, 'sleep', lambda s: None)
    assert admin.call('create_topics', ['t'], on_attempt=lambda: attempts.append(1)) == 'created'
    assert len(attempts) == 2


def test_connect_raises_instead_of_failing_the_module(monkeypatch):
    monkeypatch.setattr(kafka_connection, 'KAFKA_IMPORT_ERROR', 'Traceback: No module named kafka')
    with pytest.raises(KafkaModuleError) as e:
        connect(PARAMS)
    assert e.value.msg.startswith('Failed to import the required Python library (kafka-python >= 3.0)')
    assert e.value.result == {'exception': 'Traceback: No module named kafka'}
