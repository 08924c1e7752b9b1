"""The properties filter: one line per key, sorted, nulls removed, secrets masked only when asked."""

from ansible_collections.kafka_ansible.cluster.plugins.filter.java_properties import java_properties


def test_sorted_lines_booleans_lower_nulls_removed():
    text = java_properties({'b': True, 'a': 1, 'gone': None, 'c': 'x,y'})
    assert text == 'a=1\nb=true\nc=x,y\n'


def test_secret_values_are_masked_only_when_asked():
    settings = {
        'ssl.key.password': 's3cret', 'ssl.keystore.key': 'PEM', 'sasl.jaas.config': 'login x',
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'login y', 'zookeeper.connect': 'zk:2181',
        'ssl.keystore.location': '/etc/kafka/ks', 'delegation.token.secret.key': 'k',
    }
    assert 's3cret' in java_properties(settings)
    masked = java_properties(settings, masked=True)
    for secret in ('s3cret', 'PEM', 'login x', 'login y', '=k\n'):
        assert secret not in masked
    assert 'zookeeper.connect=zk:2181\n' in masked
    assert 'ssl.keystore.location=/etc/kafka/ks\n' in masked
    assert masked.count('********') == 5


def test_values_that_carry_no_secret_are_shown():
    settings = {
        'ssl.keystore.key': '${dir:/etc/kafka/tls:node.key}',
        'listener.name.clients.scram-sha-512.sasl.jaas.config':
            'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="s3";',
    }
    masked = java_properties(settings, masked=True)
    assert 'ssl.keystore.key=${dir:/etc/kafka/tls:node.key}\n' in masked
    assert 'scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;\n' in masked
    assert 'sasl.jaas.config=********\n' in masked and 's3' not in masked
