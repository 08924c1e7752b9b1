"""The module entry points: argument handling and failures that need no cluster."""

import importlib.util
import json
import os

import pytest
import yaml
from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_connection, kafka_topic_engine
from ansible.module_utils.testing import patch_module_args

from ansible_collections.kafka_ansible.cluster.plugins.modules import kafka_topic
from ansible_collections.kafka_ansible.cluster.plugins.modules import kafka_topic_info
from ansible_collections.kafka_ansible.cluster.plugins.modules import kafka_topics


def run(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail the test if the module tries to connect."""
    def connect(module):
        raise AssertionError('the module connected to Kafka')
    monkeypatch.setattr(kafka_topic_engine, 'KafkaAdmin', connect)


def test_invalid_input_fails_before_connecting(no_cluster, capsys):
    result = run(kafka_topics, {'bootstrap_servers': 'k:9092', 'topics': [
        {'name': 'ok', 'partitions': 3}, {'name': 'bad name', 'partitions': 0}]}, capsys)
    assert result['failed'] is True
    assert result['msg'] == ("Invalid input, nothing was changed: topic 'bad name': name contains illegal "
                             "characters (allowed: a-z A-Z 0-9 . _ -)")
    assert result['errors'] == ["topic 'bad name': name contains illegal characters (allowed: a-z A-Z 0-9 . _ -)"]


def test_prune_without_scope_fails_before_connecting(no_cluster, capsys):
    result = run(kafka_topics, {'bootstrap_servers': 'k:9092', 'topics': [], 'prune': True}, capsys)
    assert result['msg'] == ('Invalid input, nothing was changed: '
                             'prune: requires prune_prefix or prune_regex; refusing to prune the whole cluster')


def test_kafka_topic_is_one_item_of_kafka_topics(monkeypatch, capsys):
    seen = []

    def fake_run(module, topics, prune=None):
        seen.append((topics, prune, module.params['allow_replication_factor_change']))
        module.exit_json(changed=False)
    monkeypatch.setattr(kafka_topic, 'run_topics', fake_run)
    run(kafka_topic, {'bootstrap_servers': 'k:9092', 'name': 't', 'partitions': '3',
                      'configs': {'retention.ms': 5}}, capsys)
    assert seen == [([{'name': 't', 'partitions': 3, 'replication_factor': None,
                       'configs': {'retention.ms': 5}, 'state': 'present'}], None, False)]


def test_sasl_needs_credentials(no_cluster, capsys):
    result = run(kafka_topic, {'bootstrap_servers': 'k:9092', 'name': 't', 'security_protocol': 'SASL_SSL',
                               'sasl_mechanism': 'SCRAM-SHA-256'}, capsys)
    assert result['msg'] == 'security_protocol is SASL_SSL but all of the following are missing: sasl_username, sasl_password'


def test_missing_library_is_reported(monkeypatch, capsys):
    monkeypatch.setattr(kafka_connection, 'KAFKA_IMPORT_ERROR', 'Traceback: No module named kafka')
    result = run(kafka_topic_info, {'bootstrap_servers': 'k:9092'}, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith('Failed to import the required Python library (kafka-python >= 3.0)')


def test_info_rejects_a_bad_pattern(no_cluster, capsys):
    result = run(kafka_topic_info, {'bootstrap_servers': 'k:9092', 'pattern': '('}, capsys)
    assert result['msg'] == "pattern '(' is not a valid regular expression: missing ), unterminated subpattern at position 0"


@pytest.mark.parametrize('module', [kafka_topics, kafka_topic, kafka_topic_info])
def test_documentation_is_valid_yaml(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc['module'] == module.__name__.rsplit('.', 1)[-1]
    assert doc['attributes']['check_mode']['support'] == 'full'
    assert 'kafka_ansible.cluster.kafka' in doc['extends_documentation_fragment']
    assert yaml.safe_load(module.EXAMPLES)
    assert yaml.safe_load(module.RETURN)


def test_doc_fragment_documents_every_connection_option():
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'plugins', 'doc_fragments', 'kafka.py')
    spec = importlib.util.spec_from_file_location('kafka_doc_fragment', path)
    fragment = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fragment)
    options = yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)['options']
    assert set(options) == set(kafka_connection.CONNECTION_ARGUMENT_SPEC)
