# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The module faces: argument handling, documentation and failures that need no cluster."""

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import (
    kafka_acl_apply, kafka_argument_specs as specs, kafka_connection, kafka_reassign_engine, kafka_topic_engine)
from ansible_collections.kafka_ansible.cluster.plugins.modules import (
    config_files, kafka_acls, kafka_cluster_health, kafka_cluster_status, kafka_reassignment, kafka_topic, kafka_topic_info, kafka_topics,
    kafka_zookeeper_user, zookeeper_info)
from ansible_collections.kafka_ansible.cluster.plugins.doc_fragments.kafka import ModuleDocFragment
from ansible_collections.kafka_ansible.cluster.plugins.doc_fragments.zookeeper import ModuleDocFragment as ZooKeeperDocFragment

MODULES = {
    kafka_topics: specs.KAFKA_TOPICS_ARGS,
    kafka_topic: specs.KAFKA_TOPIC_ARGS,
    kafka_topic_info: specs.KAFKA_TOPIC_INFO_ARGS,
    kafka_cluster_health: specs.KAFKA_CLUSTER_HEALTH_ARGS,
    kafka_cluster_status: specs.KAFKA_CLUSTER_STATUS_ARGS,
    zookeeper_info: specs.ZOOKEEPER_INFO_ARGS,
    kafka_reassignment: specs.KAFKA_REASSIGNMENT_ARGS,
    config_files: {'argument_spec': config_files.ARGUMENT_SPEC},
    kafka_acls: specs.KAFKA_ACLS_ARGS,
    kafka_zookeeper_user: specs.KAFKA_ZOOKEEPER_USER_ARGS,
}


def run(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail the test if the module tries to connect."""
    def connect(params):
        raise AssertionError('the module connected to Kafka')
    for module in (kafka_topic_engine, kafka_topic_info, kafka_cluster_health, kafka_reassign_engine, kafka_acl_apply):
        monkeypatch.setattr(module, 'connect', connect)


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

    def fake_run(params, topics, prune, check_mode, diff):
        seen.append((topics, prune, params['allow_replication_factor_change'], check_mode))
        return {'changed': False, 'changes': []}, ['a warning']
    monkeypatch.setattr(kafka_topic, 'run_topics', fake_run)
    result = run(kafka_topic, {'bootstrap_servers': 'k:9092', 'name': 't', 'partitions': '3',
                               'configs': {'retention.ms': 5}, '_ansible_check_mode': True}, capsys)
    assert seen == [([{'name': 't', 'partitions': 3, 'replication_factor': None,
                       'configs': {'retention.ms': 5}, 'state': 'present'}], None, False, True)]
    assert result['changed'] is False


def test_a_failure_after_changes_began_keeps_its_result_keys(monkeypatch, capsys):
    def fake_run(params, topics, prune, check_mode, diff):
        raise kafka_connection.KafkaModuleError('Failed after applying 1 operations (see applied): boom',
                                                changed=True, applied=[{'topic': 't', 'action': 'create'}])
    monkeypatch.setattr(kafka_topics, 'run_topics', fake_run)
    result = run(kafka_topics, {'bootstrap_servers': 'k:9092', 'topics': [{'name': 't'}]}, capsys)
    assert result['failed'] is True and result['changed'] is True
    assert result['applied'] == [{'topic': 't', 'action': 'create'}]


def test_sasl_needs_credentials(no_cluster, capsys):
    result = run(kafka_topic, {'bootstrap_servers': 'k:9092', 'name': 't', 'security_protocol': 'SASL_SSL',
                               'sasl_mechanism': 'SCRAM-SHA-256'}, capsys)
    assert result['msg'] == 'security_protocol is SASL_SSL but all of the following are missing: sasl_username, sasl_password'


@pytest.mark.parametrize('module', [kafka_topic_info, kafka_cluster_health, kafka_topics, kafka_acls])
def test_missing_library_is_reported(module, monkeypatch, capsys):
    monkeypatch.setattr(kafka_connection, 'KAFKA_IMPORT_ERROR', 'Traceback: No module named kafka')
    extra = {kafka_topics: {'topics': []}, kafka_acls: {'acls': []}}.get(module, {})
    result = run(module, dict({'bootstrap_servers': 'k:9092'}, **extra), capsys)
    assert result['failed'] is True
    assert result['msg'].startswith('Failed to import the required Python library (kafka-python >= 3.0)')


def test_info_rejects_a_bad_pattern(no_cluster, capsys):
    result = run(kafka_topic_info, {'bootstrap_servers': 'k:9092', 'pattern': '('}, capsys)
    assert result['msg'] == "pattern '(' is not a valid regular expression: missing ), unterminated subpattern at position 0"


def test_info_view():
    state = {
        'brokers': [1, 2, 3], 'controller': 1, 'config_types': {}, 'broker_defaults': {},
        'topics': {
            't': {'internal': False, 'partitions': {0: {'leader': 1, 'replicas': [1, 2], 'isr': [1, 2]},
                                                    1: {'leader': 2, 'replicas': [2, 1], 'isr': [2, 1]}}},
            '__consumer_offsets': {'internal': False, 'partitions': {0: {'leader': 1, 'replicas': [1], 'isr': [1]}}}},
        'overrides': {'t': {'retention.ms': '5'}},
        'reassigning': {'t': {1: {'adding': [3], 'removing': [1]}}},
    }
    view = kafka_topic_info.topic_view
    assert view(state) == {'t': {
        'internal': False, 'partitions': 2, 'replication_factor': 1, 'configs': {'retention.ms': '5'},
        'partition_details': [
            {'partition': 0, 'leader': 1, 'replicas': [1, 2], 'isr': [1, 2], 'adding_replicas': [], 'removing_replicas': []},
            {'partition': 1, 'leader': 2, 'replicas': [2, 1], 'isr': [2, 1], 'adding_replicas': [3], 'removing_replicas': [1]},
        ]}}
    assert list(view(state, include_internal=True)) == ['__consumer_offsets', 't']
    assert list(view(state, names=['__consumer_offsets', 'missing'])) == ['__consumer_offsets']
    assert list(view(state, pattern='_.*', include_internal=True)) == ['__consumer_offsets']


def fragment_options():
    return yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']


def test_doc_fragment_documents_every_connection_option():
    assert set(fragment_options()) == set(specs.CONNECTION_OPTIONS)
    assert set(yaml.safe_load(ZooKeeperDocFragment.DOCUMENTATION)['options']) == set(specs.ZOOKEEPER_CONNECTION)


@pytest.mark.parametrize('module', list(MODULES), ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_documentation_matches_the_argument_spec(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc['module'] == module.__name__.rsplit('.', 1)[-1]
    fragments = doc.get('extends_documentation_fragment', [])
    if 'kafka_ansible.cluster.kafka.read_only' in fragments:
        doc.setdefault('attributes', yaml.safe_load(ModuleDocFragment.READ_ONLY)['attributes'])
    assert doc['attributes']['check_mode']['support'] == 'full'
    assert yaml.safe_load(module.EXAMPLES)
    assert yaml.safe_load(module.RETURN)
    documented = dict(doc.get('options') or {})
    if 'kafka_ansible.cluster.kafka' in fragments:
        documented.update(fragment_options())
    if 'kafka_ansible.cluster.zookeeper' in fragments:
        documented.update(yaml.safe_load(ZooKeeperDocFragment.DOCUMENTATION)['options'])
    spec = MODULES[module]['argument_spec']
    assert set(documented) == set(spec)
    for name, option in spec.items():
        assert documented[name].get('type', 'str') == option.get('type', 'str'), name
        assert documented[name].get('default') == option.get('default'), name


def test_reassignment_bad_input_fails_before_connecting(no_cluster, capsys):
    result = run(kafka_reassignment, {'bootstrap_servers': 'k:9092', 'mode': 'drain', 'batch_size': 0}, capsys)
    assert result['failed'] is True
    assert result['msg'] == ('Invalid input, nothing was changed: batch_size must be at least 1, got 0; '
                             'mode drain needs the ids of the brokers to drain in brokers')


def test_acls_bad_input_names_every_entry_before_connecting(no_cluster, capsys):
    result = run(kafka_acls, {'bootstrap_servers': 'k:9092', 'prune': True, 'acls': [
        {'principals': ['User:app'], 'operations': ['read'], 'resource_type': 'topic', 'resource_name': 'app'},
        {'principals': 'User:CN=app,OU=Kafka', 'operations': ['write'], 'resource_type': 'group',
         'resource_name': 'g'}]}, capsys)
    assert result['failed'] is True
    assert result['errors'] == [
        "acls[1]: principal 'OU=Kafka' is not of the form Type:name, for example User:alice (a string is split "
        "at commas by Ansible: give principals as a YAML list)",
        "acls[1]: operation 'write' does not apply to resource_type group (it takes: all, read, describe, delete)",
        'prune: requires prune_prefix, prune_regex or prune_principals; refusing to prune every ACL of the cluster']
    assert result['msg'] == 'Invalid input, nothing was changed: ' + '; '.join(result['errors'])


def test_acls_pass_the_declaration_and_scope_to_the_run(monkeypatch, capsys):
    seen = []

    def fake_run(params, declared, prune, check_mode, diff):
        seen.append((sorted(declared.values()), prune, check_mode, diff))
        return {'changed': False, 'changes': []}, ['a warning']
    monkeypatch.setattr(kafka_acls, 'run_acls', fake_run)
    # Recorded at the call: Ansible's own warning list is process-wide and other tests' modules touch it.
    warned = []
    monkeypatch.setattr(kafka_acls.AnsibleModule, 'warn', lambda self, message: warned.append(message))
    result = run(kafka_acls, {'bootstrap_servers': 'k:9092', 'prune': True, 'prune_prefix': 'app.',
                              'acls': [{'principals': ['User:a', 'User:b'], 'operations': ['read'],
                                        'resource_type': 'topic', 'resource_name': 'app.x', 'state': 'absent'}],
                              '_ansible_check_mode': True, '_ansible_diff': True}, capsys)
    assert seen == [(['absent', 'absent'], {'prefix': 'app.', 'regex': None, 'principals': [], 'max_deletions': 10},
                     True, True)]
    assert result['changed'] is False
    assert warned == ['a warning']


def test_zookeeper_info_reports_a_closed_member_and_logs_no_password(capsys):
    result = run(zookeeper_info, {'servers': ['127.0.0.1:1'], 'timeout': 2, 'use_ssl': True, 'ssl_cafile': '/nonexistent/ca.pem',
                                  'sasl_username': 'kafka', 'sasl_password': 'zk-secret-42'}, capsys)
    assert (result['serving'], result['leaders'], result['servers'][0]['serving']) == (0, 0, False)
    assert result['servers'][0]['error']
    assert 'zk-secret-42' not in json.dumps(result)


def test_zookeeper_info_without_kazoo_names_the_library(monkeypatch, capsys):
    monkeypatch.setattr(zookeeper_info, 'KAZOO_IMPORT_ERROR', ImportError('No module named kazoo'))
    result = run(zookeeper_info, {'servers': ['zk1:2181']}, capsys)
    assert result['failed'] is True and 'kazoo' in result['msg']


def test_zookeeper_info_wants_the_sasl_password_with_the_user(capsys):
    result = run(zookeeper_info, {'servers': ['zk1:2181'], 'sasl_username': 'kafka'}, capsys)
    assert result['failed'] is True and 'sasl_password' in result['msg']


def test_zookeeper_user_bad_input_is_named_before_connecting(capsys):
    result = run(kafka_zookeeper_user, {'zookeeper_connect': '127.0.0.1:1/kafka', 'name': 'kafka broker',
                                        'password': 'broker-secret-42', 'iterations': 100}, capsys)
    assert result['failed'] is True
    assert result['msg'] == ("Invalid kafka_zookeeper_user: name 'kafka broker': letters, digits, \".\", \"_\" and \"-\" "
                             "only; iterations 100: Kafka accepts 4096 to 16384; nothing was changed")


def test_zookeeper_user_without_zookeeper_fails_without_the_passwords(capsys):
    result = run(kafka_zookeeper_user, {'zookeeper_connect': '127.0.0.1:1/kafka', 'name': 'kafka-broker', 'timeout': 2,
                                        'password': 'broker-secret-42', 'sasl_username': 'kafka',
                                        'sasl_password': 'zk-secret-42'}, capsys)
    assert result['failed'] is True and result['msg'].startswith('Cannot store the SCRAM user kafka-broker in ZooKeeper: ')
    assert 'broker-secret-42' not in json.dumps(result) and 'zk-secret-42' not in json.dumps(result)
