"""The kernel hook of roles/jupyter: a student's Java client properties as kafka-python's defaults."""

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location('kafka_client_defaults',
                                               os.path.join(ROOT, 'roles/jupyter/files/kafka_client_defaults.py'))
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)

STUDENT = """# written by the role jupyter
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cret=x;y";
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka-cli/ca.crt
"""


def test_a_students_properties_become_kafka_python_options():
    assert hook.kafka_python_config(hook.read_properties(STUDENT)) == {
        'security_protocol': 'SASL_SSL', 'sasl_mechanism': 'SCRAM-SHA-512', 'ssl_cafile': '/etc/kafka-cli/ca.crt',
        'sasl_plain_username': 'alice', 'sasl_plain_password': 's3cret=x;y'}
    assert hook.kafka_python_config({'ssl.endpoint.identification.algorithm': ''}) == {'ssl_check_hostname': False}


@pytest.mark.parametrize('properties, error', [
    ({'ssl.truststore.type': 'JKS', 'ssl.truststore.location': 'x.jks'}, 'ssl.truststore.type must be PEM'),
    ({'ssl.keystore.location': 'me.pem'}, 'client certificates'),
    ({'sasl.jaas.config': 'ScramLoginModule required username="alice";'}, 'no password='),
])
def test_what_kafka_python_cannot_take_is_an_error(properties, error):
    with pytest.raises(ValueError, match=error):
        hook.kafka_python_config(properties)


def test_apply_sets_the_defaults_and_code_still_wins(tmp_path, monkeypatch):
    import kafka
    for client in (kafka.KafkaProducer, kafka.KafkaConsumer, kafka.KafkaAdminClient):
        monkeypatch.setattr(client, 'DEFAULT_CONFIG', dict(client.DEFAULT_CONFIG))
    path = tmp_path / 'client.properties'
    path.write_text(STUDENT)
    hook.apply(str(path))
    assert kafka.KafkaConsumer.DEFAULT_CONFIG['sasl_plain_username'] == 'alice'
    assert kafka.KafkaAdminClient.DEFAULT_CONFIG['security_protocol'] == 'SASL_SSL'
    consumer = kafka.KafkaConsumer(bootstrap_servers='127.0.0.1:1', security_protocol='PLAINTEXT',
                                   api_version=(2, 8), request_timeout_ms=1000, connections_max_idle_ms=2000)
    try:
        assert consumer.config['security_protocol'] == 'PLAINTEXT'
        assert consumer.config['sasl_plain_password'] == 's3cret=x;y'
    finally:
        consumer.close()


def test_a_broken_file_never_stops_python(tmp_path, monkeypatch, capsys):
    path = tmp_path / 'client.properties'
    path.write_text('not a property\n')
    monkeypatch.setenv('KAFKA_CLIENT_PROPERTIES', str(path))
    hook.main()
    assert 'not applied' in capsys.readouterr().err
