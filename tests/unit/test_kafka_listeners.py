"""The listeners filter: kafka_listeners to server.properties, and the refusal of malformed listeners."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kafka_ansible.cluster.plugins.filter.kafka_listeners import kafka_listeners

SECURE = [
    {'name': 'PLAINTEXT', 'port': '9092', 'protocol': 'PLAINTEXT'},
    {'name': 'INTERNAL', 'port': 9094, 'protocol': 'SSL', 'client_auth': 'required'},
    {'name': 'CLIENTS', 'port': 9093, 'protocol': 'SASL_SSL', 'sasl_mechanisms': ['SCRAM-SHA-256', 'SCRAM-SHA-512']},
]


def refused(listeners, inter_broker='PLAINTEXT'):
    with pytest.raises(AnsibleFilterError) as error:
        kafka_listeners(listeners, 'h1', inter_broker, '/etc/kafka/tls')
    return str(error.value)


def test_the_default_listener_renders_what_the_role_always_wrote():
    properties = kafka_listeners([{'name': 'PLAINTEXT', 'port': '9092', 'protocol': 'PLAINTEXT'}],
                                 'h1', 'PLAINTEXT', '/etc/kafka/tls')
    assert properties == {'listeners': 'PLAINTEXT://:9092', 'advertised.listeners': 'PLAINTEXT://h1:9092'}


def test_tls_sasl_and_mtls_listeners():
    properties = kafka_listeners(SECURE, '10.0.0.5', 'INTERNAL', '/etc/kafka/tls')
    assert properties['listeners'] == 'PLAINTEXT://:9092,INTERNAL://:9094,CLIENTS://:9093'
    assert properties['advertised.listeners'] == 'PLAINTEXT://10.0.0.5:9092,INTERNAL://10.0.0.5:9094,CLIENTS://10.0.0.5:9093'
    assert properties['listener.security.protocol.map'] == 'PLAINTEXT:PLAINTEXT,INTERNAL:SSL,CLIENTS:SASL_SSL'
    assert properties['inter.broker.listener.name'] == 'INTERNAL'
    assert properties['listener.name.internal.ssl.client.auth'] == 'required'
    assert properties['listener.name.clients.sasl.enabled.mechanisms'] == 'SCRAM-SHA-256,SCRAM-SHA-512'
    for mechanism in ('scram-sha-256', 'scram-sha-512'):
        assert 'ScramLoginModule required;' in properties['listener.name.clients.%s.sasl.jaas.config' % mechanism]
    assert properties['ssl.keystore.type'] == properties['ssl.truststore.type'] == 'PEM'
    assert properties['ssl.keystore.key'] == '${dir:/etc/kafka/tls:node.key}'
    assert properties['ssl.keystore.certificate.chain'] == '${dir:/etc/kafka/tls:node.crt}'
    assert properties['ssl.truststore.location'] == '/etc/kafka/tls/ca.crt'
    assert 'password' not in ' '.join(properties)


def test_no_tls_settings_without_a_tls_listener():
    properties = kafka_listeners([{'name': 'PLAINTEXT', 'port': 9092, 'protocol': 'PLAINTEXT'},
                                  {'name': 'SCRAM', 'port': 9093, 'protocol': 'SASL_PLAINTEXT',
                                   'sasl_mechanisms': ['SCRAM-SHA-512']}], 'h1', 'PLAINTEXT', '/tls')
    assert not [key for key in properties if key.startswith('ssl.') or key.startswith('config.providers')]


@pytest.mark.parametrize('listeners, inter_broker, message', [
    ([], 'PLAINTEXT', 'non-empty list'),
    ([{'name': 'CLIENTS', 'port': 9093, 'protocol': 'SASL_SSL'}], 'CLIENTS', 'listener CLIENTS: a SASL listener needs sasl_mechanisms'),
    ([{'name': 'C', 'port': 9093, 'protocol': 'SASL_SSL', 'sasl_mechanisms': ['PLAIN']}], 'C', 'listener C: a SASL listener needs'),
    ([{'name': 'P', 'port': 9092, 'protocol': 'PLAINTEXT', 'client_auth': 'required'}], 'P', 'listener P: client_auth'),
    ([{'name': 'P', 'port': 9092, 'protocol': 'PLAINTEXT', 'sasl_mechanisms': ['SCRAM-SHA-512']}], 'P',
     'sasl_mechanisms is only for'),
    ([{'name': 'P', 'port': 9092, 'protocol': 'TLS'}], 'P', "listener P: protocol must be one of"),
    ([{'name': 'p', 'port': 9092, 'protocol': 'PLAINTEXT'}], 'p', 'listener p: name must be upper case'),
    ([{'name': 'P', 'port': 70000, 'protocol': 'PLAINTEXT'}], 'P', 'listener P: port must be a number'),
    ([{'name': 'P', 'port': 9092, 'protocol': 'PLAINTEXT'}, {'name': 'Q', 'port': 9092, 'protocol': 'SSL'}], 'P',
     'listener Q: port 9092 used by another listener'),
    ([{'name': 'P', 'port': 9092, 'protocol': 'PLAINTEXT'}, {'name': 'P', 'port': 9093, 'protocol': 'SSL'}], 'P',
     'listener P: name used twice'),
    ([{'name': 'P', 'port': 9092, 'protocol': 'PLAINTEXT', 'tls': True}], 'P', 'listener P: unknown keys tls'),
    ([{'name': 'P', 'port': 9092, 'protocol': 'PLAINTEXT'}], 'INTERNAL', "kafka_inter_broker_listener 'INTERNAL' is not one"),
    (SECURE, 'CLIENTS', 'the brokers need kafka_inter_broker_sasl_password'),
])
def test_malformed_listeners_are_refused_naming_them(listeners, inter_broker, message):
    assert message in refused(listeners, inter_broker)


def test_brokers_on_a_sasl_listener_log_in_with_its_first_mechanism_as_their_own_user():
    properties = kafka_listeners(SECURE, 'h1', 'CLIENTS', '/tls', {'username': 'kafka-broker', 'password': 's3cr=t'})
    assert properties['inter.broker.listener.name'] == 'CLIENTS'
    assert properties['sasl.mechanism.inter.broker.protocol'] == 'SCRAM-SHA-256'
    assert properties['listener.name.clients.scram-sha-256.sasl.jaas.config'] == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="kafka-broker" password="s3cr=t";')
    # The other mechanism's clients still log in as themselves.
    assert properties['listener.name.clients.scram-sha-512.sasl.jaas.config'].endswith('ScramLoginModule required;')


@pytest.mark.parametrize('login, message', [
    ({'username': 'kafka-broker', 'password': ''}, 'the brokers need kafka_inter_broker_sasl_password'),
    ({'username': 'kafka broker', 'password': 'x'}, "kafka_inter_broker_sasl_username must be letters, digits"),
    ({'username': 'kafka-broker', 'password': 'a"b'}, 'may not hold a double quote'),
    ({'username': 'kafka-broker', 'password': 'a\\b'}, 'may not hold a double quote'),
])
def test_a_sasl_inter_broker_listener_without_a_usable_login_is_refused(login, message):
    with pytest.raises(AnsibleFilterError) as error:
        kafka_listeners(SECURE, 'h1', 'CLIENTS', '/tls', login)
    assert message in str(error.value)


def test_every_problem_is_reported_at_once():
    text = refused([{'name': 'A', 'port': 0, 'protocol': 'X'}, 'oops'], 'A')
    assert 'listener A: port' in text and 'listener A: protocol' in text and 'kafka_listeners[1] must be a dict' in text


DEFAULT = [{'name': 'PLAINTEXT', 'port': '9092', 'protocol': 'PLAINTEXT'}]


def kraft(broker, controller, port=9099):
    return {'broker': broker, 'controller': controller, 'controller_port': port}


def test_a_kraft_broker_maps_the_controller_listener_it_reaches_but_does_not_listen_on_it():
    properties = kafka_listeners(DEFAULT, 'h1', 'PLAINTEXT', '/t', None, kraft(True, False))
    assert properties == {'listeners': 'PLAINTEXT://:9092', 'advertised.listeners': 'PLAINTEXT://h1:9092',
                          'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
                          'controller.listener.names': 'CONTROLLER', 'inter.broker.listener.name': 'PLAINTEXT'}


def test_a_kraft_controller_alone_has_only_the_controller_listener():
    properties = kafka_listeners(SECURE, 'h1', 'INTERNAL', '/t', None, kraft(False, True))
    assert properties == {'listeners': 'CONTROLLER://:9099', 'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT',
                          'controller.listener.names': 'CONTROLLER'}


def test_a_controller_in_migration_mode_also_names_the_brokers_inter_broker_listener():
    properties = kafka_listeners(DEFAULT, 'h1', 'PLAINTEXT', '/t', None, dict(kraft(False, True), migration=True))
    assert properties == {'listeners': 'CONTROLLER://:9099', 'controller.listener.names': 'CONTROLLER',
                          'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
                          'inter.broker.listener.name': 'PLAINTEXT'}


def test_a_combined_node_keeps_the_broker_listeners_and_adds_the_controller_one():
    properties = kafka_listeners(SECURE, 'h1', 'INTERNAL', '/t', None, kraft(True, True))
    assert properties['listeners'] == 'PLAINTEXT://:9092,INTERNAL://:9094,CLIENTS://:9093,CONTROLLER://:9099'
    assert properties['advertised.listeners'] == 'PLAINTEXT://h1:9092,INTERNAL://h1:9094,CLIENTS://h1:9093'
    assert properties['listener.security.protocol.map'].endswith(',CLIENTS:SASL_SSL,CONTROLLER:PLAINTEXT')
    assert properties['inter.broker.listener.name'] == 'INTERNAL'
    assert properties['listener.name.internal.ssl.client.auth'] == 'required'


def test_kraft_refuses_a_listener_named_controller_or_on_the_controller_port():
    with pytest.raises(AnsibleFilterError) as error:
        kafka_listeners(SECURE + [{'name': 'CONTROLLER', 'port': 9999, 'protocol': 'PLAINTEXT'}],
                        'h1', 'INTERNAL', '/t', None, kraft(True, False, 9093))
    assert 'listener CONTROLLER: in KRaft mode' in str(error.value)
    assert 'listener CLIENTS: in KRaft mode the name CONTROLLER and port 9093' in str(error.value)


def test_an_ssl_controller_listener_takes_every_node_by_its_certificate():
    on_ssl = dict(kraft(False, True), controller_protocol='SSL')
    properties = kafka_listeners(DEFAULT, 'h1', 'PLAINTEXT', '/t', None, on_ssl)
    assert properties['listener.security.protocol.map'] == 'CONTROLLER:SSL'
    assert properties['listener.name.controller.ssl.client.auth'] == 'required'
    assert properties['ssl.keystore.key'] == '${dir:/t:node.key}'
    assert properties['ssl.truststore.location'] == '/t/ca.crt'
    assert properties['ssl.principal.mapping.rules'].startswith('RULE:^CN=')


def test_a_plaintext_broker_reaches_an_ssl_controller_listener_with_its_certificate():
    properties = kafka_listeners(DEFAULT, 'h1', 'PLAINTEXT', '/t', None, dict(kraft(True, False), controller_protocol='SSL'))
    assert properties['listener.security.protocol.map'] == 'PLAINTEXT:PLAINTEXT,CONTROLLER:SSL'
    assert properties['ssl.keystore.certificate.chain'] == '${dir:/t:node.crt}'
    assert 'listener.name.controller.ssl.client.auth' not in properties


def test_kraft_refuses_a_controller_listener_protocol_other_than_plaintext_or_ssl():
    with pytest.raises(AnsibleFilterError) as error:
        kafka_listeners(DEFAULT, 'h1', 'PLAINTEXT', '/t', None, dict(kraft(True, True), controller_protocol='SASL_SSL'))
    assert "kafka_controller_listener_protocol must be PLAINTEXT or SSL, got 'SASL_SSL'" in str(error.value)
