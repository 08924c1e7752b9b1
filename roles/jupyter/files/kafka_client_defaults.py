"""The student's Kafka client settings as kafka-python's defaults, so that notebooks log in without credentials.

Installed by the Ansible role jupyter into the virtualenv of the notebook servers, with a .pth file that
imports it when Python starts. When $KAFKA_CLIENT_PROPERTIES names a properties file (the notebook servers
set it to ~/.kafka/client.properties, mode 0600), its Java client settings become the defaults of
KafkaProducer, KafkaConsumer and KafkaAdminClient: `KafkaProducer(bootstrap_servers=...)` then logs in as
the student. Arguments given in the code still win. Without the variable nothing happens.
"""

import os
import re
import sys

# Java client property -> kafka-python option.
OPTIONS = {'security.protocol': 'security_protocol', 'sasl.mechanism': 'sasl_mechanism',
           'ssl.truststore.location': 'ssl_cafile'}
_JAAS_VALUE = r'\b%s\s*=\s*"([^"]*)"'


def read_properties(text):
    """key=value lines of a properties file (# and ! comments; no escapes, no continued lines)."""
    properties = {}
    for line in text.splitlines():
        line = line.strip()
        if line and line[0] not in '#!':
            key, sep, value = line.partition('=')
            if not sep:
                raise ValueError('not key=value: %r' % line.split()[0])
            properties[key.strip()] = value.strip()
    return properties


def kafka_python_config(properties):
    """kafka-python options of Java client properties; ValueError for what kafka-python cannot take."""
    config = {OPTIONS[key]: value for key, value in properties.items() if key in OPTIONS}
    for kind in ('truststore', 'keystore'):
        if properties.get('ssl.%s.type' % kind, 'PEM').upper() != 'PEM':
            raise ValueError('ssl.%s.type must be PEM (kafka-python reads no JKS or PKCS12)' % kind)
    if 'ssl.keystore.location' in properties:
        raise ValueError('ssl.keystore.location: client certificates are not taken from this file')
    if properties.get('ssl.endpoint.identification.algorithm', 'https') == '':
        config['ssl_check_hostname'] = False
    jaas = properties.get('sasl.jaas.config')
    if jaas:
        for option, name in (('sasl_plain_username', 'username'), ('sasl_plain_password', 'password')):
            found = re.search(_JAAS_VALUE % name, jaas)
            if not found:
                raise ValueError('sasl.jaas.config has no %s="..."' % name)
            config[option] = found.group(1)
    return config


def apply(path):
    """Make the settings of the file at `path` the defaults of kafka-python's clients; return them."""
    with open(path, encoding='utf-8') as handle:
        config = kafka_python_config(read_properties(handle.read()))
    import kafka  # pylint: disable=import-outside-toplevel
    for client in (kafka.KafkaProducer, kafka.KafkaConsumer, kafka.KafkaAdminClient):
        client.DEFAULT_CONFIG.update(config)
    return config


def main():
    path = os.environ.get('KAFKA_CLIENT_PROPERTIES')
    if not path:
        return
    try:
        apply(path)
    except (OSError, ValueError, ImportError) as error:
        # Never stop Python from starting: say why the student's settings are not applied.
        sys.stderr.write('kafka_client_defaults: %s not applied: %s\n' % (path, error))


main()
