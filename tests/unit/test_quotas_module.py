# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The kafka_quotas module face: arguments, documentation, failures before connecting, and main()
end to end over the fake broker of test_quota_apply."""

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.kafka_ansible.cluster.plugins.doc_fragments.kafka import ModuleDocFragment
from ansible_collections.kafka_ansible.cluster.plugins.module_utils import (
    kafka_argument_specs as specs, kafka_connection, kafka_quota_apply)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_plan import DEFAULT, Entity
from ansible_collections.kafka_ansible.cluster.plugins.modules import kafka_quotas
from ansible_collections.kafka_ansible.cluster.tests.unit.test_quota_apply import FakeAdmin, FakeManager


def run(args, capsys):
    with patch_module_args(dict({'bootstrap_servers': 'k:9092'}, **args)):
        with pytest.raises(SystemExit):
            kafka_quotas.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def no_cluster(monkeypatch):
    def connect(params):
        raise AssertionError('the module connected to Kafka')
    monkeypatch.setattr(kafka_quota_apply, 'connect', connect)


@pytest.fixture
def warned(monkeypatch):
    # Recorded at the call: Ansible's own warning list is process-wide and other tests' modules touch it.
    messages = []
    monkeypatch.setattr(kafka_quotas.AnsibleModule, 'warn', lambda self, message: messages.append(message))
    return messages


def test_documentation_matches_the_argument_spec():
    doc = yaml.safe_load(kafka_quotas.DOCUMENTATION)
    assert doc['module'] == 'kafka_quotas'
    assert doc['attributes']['check_mode']['support'] == 'full'
    assert doc['attributes']['diff_mode']['support'] == 'full'
    assert yaml.safe_load(kafka_quotas.EXAMPLES)
    assert yaml.safe_load(kafka_quotas.RETURN)
    documented = dict(doc['options'])
    documented.update(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])
    spec = specs.KAFKA_QUOTAS_ARGS['argument_spec']
    assert set(documented) == set(spec)
    for name, option in spec.items():
        assert documented[name].get('type', 'str') == option.get('type', 'str'), name
        assert documented[name].get('default') == option.get('default'), name
    suboptions = documented['quotas']['suboptions']
    assert set(suboptions) == set(spec['quotas']['options'])
    for name, option in spec['quotas']['options'].items():
        assert suboptions[name].get('type', 'str') == option.get('type', 'str'), name
        assert suboptions[name].get('default') == option.get('default'), name


def test_the_examples_pass_validation(no_cluster, capsys, monkeypatch):
    seen = []
    monkeypatch.setattr(kafka_quotas, 'run_quotas',
                        lambda params, declared, prune, check_mode, diff: (seen.append(declared) or
                                                                           ({'changed': False, 'changes': []}, [])))
    first = yaml.safe_load(kafka_quotas.EXAMPLES)[0]['kafka_ansible.cluster.kafka_quotas']
    assert run(first, capsys)['changed'] is False
    assert sorted(seen[0].items(), key=lambda item: repr(item[0])) == sorted({
        Entity('orders', None): ('present', {'producer_byte_rate': 10485760.0, 'consumer_byte_rate': 20971520.0}),
        Entity('orders', 'orders-batch'): ('present', {'consumer_byte_rate': 5242880.0, 'request_percentage': 50.0}),
        Entity('orders', DEFAULT): ('present', {'request_percentage': 25.0}),
        Entity(None, DEFAULT): ('present', {'producer_byte_rate': 1048576.0}),
        Entity('legacy', None): ('absent', {}),
    }.items(), key=lambda item: repr(item[0]))


def test_bad_input_names_every_entry_before_connecting(no_cluster, capsys):
    result = run({'prune': True, 'quotas': [
        {'user': 'app', 'producer_byte_rate': 1024},
        {'user': 'User:app', 'default_user': True, 'consumer_byte_rate': 0},
        {'client_id': 'x', 'state': 'absent', 'request_percentage': 5},
        {'user': 'app', 'request_percentage': 5}]}, capsys)
    assert result['failed'] is True
    assert result['errors'] == [
        'quotas[1]: user and default_user exclude each other',
        'quotas[1]: consumer_byte_rate must be greater than 0, got 0',
        'quotas[2]: state absent removes every quota of the entity: declare no values (to remove one key, leave '
        'it out of a present entry)',
        "quotas[3]: user 'app' is already declared in quotas[0]",
        'prune: requires prune_prefix or prune_regex; refusing to prune every quota of the cluster']
    assert result['msg'] == 'Invalid input, nothing was changed: ' + '; '.join(result['errors'])


def test_a_value_of_the_wrong_type_is_refused_by_the_argument_spec(no_cluster, capsys):
    result = run({'quotas': [{'user': 'app', 'producer_byte_rate': '1mb'}]}, capsys)
    assert result['failed'] is True and 'producer_byte_rate' in result['msg']


def test_the_declaration_and_scope_reach_the_run(monkeypatch, capsys, warned):
    seen = []

    def fake_run(params, declared, prune, check_mode, diff):
        seen.append((declared, prune, check_mode, diff))
        return {'changed': False, 'changes': []}, ['a warning']
    monkeypatch.setattr(kafka_quotas, 'run_quotas', fake_run)
    result = run({'prune': True, 'prune_regex': 'team-.*', 'prune_max_deletions': 3,
                  'quotas': [{'default_user': True, 'client_id': 'app', 'request_percentage': 12.5}],
                  '_ansible_check_mode': True, '_ansible_diff': True}, capsys)
    assert seen == [({Entity(DEFAULT, 'app'): ('present', {'request_percentage': 12.5})},
                     {'prefix': None, 'regex': 'team-.*', 'max_deletions': 3}, True, True)]
    assert result['changed'] is False
    assert warned == ['a warning']


def test_missing_library_is_reported(monkeypatch, capsys):
    monkeypatch.setattr(kafka_connection, 'KAFKA_IMPORT_ERROR', 'Traceback: no kafka')
    result = run({'quotas': [{'user': 'a', 'producer_byte_rate': 1}]}, capsys)
    assert result['failed'] is True
    assert 'kafka-python >= 3.0' in result['msg']


@pytest.fixture
def broker(monkeypatch):
    manager = FakeManager({Entity('team-old', None): {'producer_byte_rate': 1.0},
                           Entity('alice', None): {'producer_byte_rate': 1.0, 'request_percentage': 5.0}})
    monkeypatch.setattr(kafka_quota_apply, 'connect', lambda params: FakeAdmin(manager))
    return manager


def test_main_end_to_end_check_then_apply_then_no_change(broker, capsys):
    args = {'quotas': [{'user': 'alice', 'producer_byte_rate': 2048},
                       {'default_client_id': True, 'consumer_byte_rate': 1048576}],
            'prune': True, 'prune_prefix': 'team-'}
    before = dict(broker.quotas)
    predicted = run(dict(args, _ansible_check_mode=True, _ansible_diff=True), capsys)
    assert broker.quotas == before
    assert predicted['changed'] is True
    assert [(c['action'], c['entity']) for c in predicted['changes']] == [
        ('update', "user 'alice'"), ('delete', "user 'team-old'"), ('create', 'default client-id')]
    assert [d['before_header'] for d in predicted['diff']] == ["user 'alice'", "user 'team-old'", 'default client-id']

    done = run(args, capsys)
    assert done['changes'] == predicted['changes']
    assert broker.quotas == {Entity('alice', None): {'producer_byte_rate': 2048.0},
                             Entity(None, DEFAULT): {'consumer_byte_rate': 1048576.0}}

    again = run(args, capsys)
    assert again['changed'] is False and again['changes'] == []


def test_main_reports_a_broker_refusal(broker, capsys):
    broker.refuse = {Entity('alice', None): (42, 'Configuration producer_byte_rate must be a LONG value')}
    result = run({'quotas': [{'user': 'alice', 'producer_byte_rate': 2048}]}, capsys)
    assert result['failed'] is True
    assert result['msg'] == ("The broker refused quota changes, nothing was changed: user 'alice': INVALID_REQUEST "
                             "(Configuration producer_byte_rate must be a LONG value)")
    assert broker.quotas[Entity('alice', None)] == {'producer_byte_rate': 1.0, 'request_percentage': 5.0}
