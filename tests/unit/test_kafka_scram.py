"""Kafka's stored SCRAM credentials: what kafka_zookeeper_user writes is what a SCRAM client's proof verifies
against (kafka-python's own client computes the proof), and a password is checked against it honestly."""

import base64
import hashlib
import hmac

import pytest
from kafka.net.sasl.scram import ScramClient

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_scram
from ansible_collections.kafka_ansible.cluster.plugins.modules.kafka_zookeeper_user import kafka_acl, planned, problems


def params(**overrides):
    return dict(dict(name='kafka-broker', password='right', mechanisms=['SCRAM-SHA-512'], iterations=4096,
                     update_password='always'), **overrides)


@pytest.mark.parametrize('mechanism', ['SCRAM-SHA-256', 'SCRAM-SHA-512'])
def test_a_client_proof_made_by_kafka_python_verifies_against_the_stored_key(mechanism):
    stored = kafka_scram.parse(kafka_scram.credential('right', mechanism, 4096))
    client = ScramClient('kafka-broker', 'right', mechanism)
    client.first_message()
    server_first = 'r=%sserver,s=%s,i=%d' % (client.nonce.decode(), base64.b64encode(stored['salt']).decode(),
                                               stored['iterations'])
    client.process_server_first_message(server_first.encode())
    proof = base64.b64decode(client.final_message().split(b'p=')[1])
    digest = kafka_scram.HASHES[mechanism]
    # The server's side of RFC 5802: ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) == StoredKey.
    signature = hmac.new(stored['stored_key'], client.auth_message, digest).digest()
    client_key = bytes(a ^ b for a, b in zip(proof, signature))
    assert hashlib.new(digest, client_key).digest() == stored['stored_key']
    # And the server's signature, made from the stored server key, is the one the client expects.
    server_signature = hmac.new(stored['server_key'], client.auth_message, digest).digest()
    client.process_server_final_message(b'v=' + base64.b64encode(server_signature))


def test_the_stored_text_has_kafkas_fields_and_a_new_salt_each_time():
    first, second = kafka_scram.credential('right', 'SCRAM-SHA-512'), kafka_scram.credential('right', 'SCRAM-SHA-512')
    assert [part.split('=', 1)[0] for part in first.split(',')] == ['salt', 'stored_key', 'server_key', 'iterations']
    assert first.endswith(',iterations=4096') and first != second


def test_only_the_right_password_with_the_declared_iterations_matches():
    text = kafka_scram.credential('right', 'SCRAM-SHA-512', 8192)
    assert kafka_scram.matches(text, 'right', 'SCRAM-SHA-512', 8192)
    assert not kafka_scram.matches(text, 'wrong', 'SCRAM-SHA-512', 8192)
    assert not kafka_scram.matches(text, 'right', 'SCRAM-SHA-512', 4096)
    assert not kafka_scram.matches(text, 'right', 'SCRAM-SHA-256', 8192)
    for broken in (None, '', 'salt=x', text.replace('iterations=8192', 'iterations=many')):
        assert not kafka_scram.matches(broken, 'right', 'SCRAM-SHA-512', 8192)


def test_the_plan_writes_exactly_the_mechanisms_that_do_not_take_the_password():
    current = {'SCRAM-SHA-512': kafka_scram.credential('right', 'SCRAM-SHA-512'), 'producer_byte_rate': '1024'}
    assert planned(current, params()) == ([], [])
    assert planned(current, params(password='new')) == (['SCRAM-SHA-512'], [])
    assert planned(current, params(mechanisms=['SCRAM-SHA-256', 'SCRAM-SHA-512'])) == (['SCRAM-SHA-256'], [])


def test_on_create_writes_missing_credentials_and_reports_a_stored_one_with_another_password():
    current = {'SCRAM-SHA-512': kafka_scram.credential('right', 'SCRAM-SHA-512')}
    on_create = params(password='new', mechanisms=['SCRAM-SHA-256', 'SCRAM-SHA-512'], update_password='on_create')
    assert planned(current, on_create) == (['SCRAM-SHA-256'], ['SCRAM-SHA-512'])
    assert planned({}, on_create) == (['SCRAM-SHA-256', 'SCRAM-SHA-512'], [])


@pytest.mark.parametrize('overrides, message', [
    (dict(name='kafka broker'), "name 'kafka broker'"),
    (dict(iterations=1000), 'iterations 1000'),
    (dict(password=''), 'password: empty'),
    (dict(mechanisms=[]), 'mechanisms: none given'),
])
def test_bad_input_is_named(overrides, message):
    assert any(message in error for error in problems(params(**overrides)))


def test_new_znodes_get_kafkas_acls():
    acl = kafka_acl('/kafka', 'kafka')
    owner_only = [(entry.id.scheme, entry.id.id, entry.perms) for entry in acl('/kafka/config/users/kafka-broker')]
    assert owner_only == [('sasl', 'kafka', 31)]
    readable = sorted((entry.id.scheme, entry.id.id, entry.perms) for entry in acl('/kafka/config/changes/config_change_'))
    assert readable == [('sasl', 'kafka', 31), ('world', 'anyone', 1)]
    assert [(entry.id.scheme, entry.perms) for entry in kafka_acl('', None)('/config/users/x')] == [('world', 31)]
