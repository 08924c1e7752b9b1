# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The kafka_users module face: argument handling, documentation, failures that need no cluster,
and no password in what the module prints."""

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.kafka_ansible.cluster.plugins.doc_fragments.kafka import ModuleDocFragment
from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_argument_specs as specs
from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_connection, kafka_user_apply
from ansible_collections.kafka_ansible.cluster.plugins.modules import kafka_users

SECRET = 'S3cret-never-shown'
LOGIN = {'login_bootstrap_servers': 'k1:9093', 'login_security_protocol': 'SASL_PLAINTEXT'}


def run(args, capsys):
    with patch_module_args(dict({'bootstrap_servers': 'k:9092'}, **args)):
        with pytest.raises(SystemExit):
            kafka_users.main()
    out = capsys.readouterr().out
    assert SECRET not in out
    return json.loads(out)


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail the test if the module tries to connect."""
    def connect(params):
        raise AssertionError('the module connected to Kafka')
    monkeypatch.setattr(kafka_user_apply, 'connect_admin', connect)


def test_documentation_matches_the_argument_spec():
    doc = yaml.safe_load(kafka_users.DOCUMENTATION)
    assert doc['module'] == 'kafka_users'
    assert doc['attributes']['check_mode']['support'] == 'full'
    assert doc['attributes']['diff_mode']['support'] == 'full'
    assert yaml.safe_load(kafka_users.EXAMPLES) and yaml.safe_load(kafka_users.RETURN)
    documented = dict(doc['options'])
    documented.update(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])
    spec = specs.KAFKA_USERS_ARGS['argument_spec']
    assert set(documented) == set(spec)
    for name, option in spec.items():
        assert documented[name].get('type', 'str') == option.get('type', 'str'), name
        assert documented[name].get('default') == option.get('default'), name
        assert documented[name].get('choices') == option.get('choices'), name
    users = documented['users']['suboptions']
    assert set(users) == set(specs.USER_OPTIONS)
    for name, option in specs.USER_OPTIONS.items():
        assert users[name].get('type', 'str') == option.get('type', 'str'), name
        assert users[name].get('default') == option.get('default'), name
        assert users[name].get('aliases') == option.get('aliases'), name
    assert specs.USER_OPTIONS['password']['no_log'] is True
    assert 'login' in ' '.join(doc['description']), 'the docs must say that a login decides'


def test_bad_entries_are_all_named_before_connecting_without_the_password(no_cluster, capsys):
    result = run(dict(LOGIN, prune=True, users=[
        {'name': 'ok', 'password': SECRET},
        {'name': 'short', 'password': SECRET, 'iterations': 1000},
        {'name': 'odd', 'password': SECRET, 'mechanism': 'SCRAM-SHA-1'},
        {'name': 'ok', 'password': SECRET},
        {'name': 'nopass'},
    ]), capsys)
    assert result['failed'] is True
    assert result['errors'] == [
        "users[1] 'short': iterations must be between 4096 and 16384 (what Kafka accepts), got 1000",
        "users[2] 'odd': unknown mechanism 'SCRAM-SHA-1' (did you mean 'SCRAM-SHA-512'?) (one of: SCRAM-SHA-256, "
        "SCRAM-SHA-512)",
        "users[3] 'ok': user 'ok' is declared more than once (also users[0] 'ok')",
        "users[4] 'nopass': password is required with state present",
        'prune: requires prune_prefix or prune_regex; refusing to prune every SCRAM user of the cluster']
    assert result['msg'] == 'Invalid input, nothing was changed: ' + '; '.join(result['errors'])


def test_update_password_always_without_a_login_listener_fails_before_connecting(no_cluster, capsys):
    result = run({'users': [{'name': 'a', 'password': SECRET}]}, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith('Invalid input, nothing was changed: update_password=always decides whether a '
                                    'password is already right by logging in as the user')


def test_the_validated_input_reaches_the_run(monkeypatch, capsys):
    seen = []

    def fake_run(params, users, prune, login, check_mode, diff):
        seen.append((sorted(users), repr(users['a']), prune, login, params['update_password'], check_mode, diff))
        return {'changed': True, 'changes': [{'user': 'a', 'mechanism': 'SCRAM-SHA-256', 'action': 'create',
                                              'iterations': 8192, 'reason': 'no credential'}]}, ['a warning']
    monkeypatch.setattr(kafka_users, 'run_users', fake_run)
    warned = []
    monkeypatch.setattr(kafka_users.SecretListsModule, 'warn', lambda self, message: warned.append(message))
    result = run(dict(LOGIN, prune=True, prune_prefix='app-', users=[
        {'name': 'a', 'password': SECRET, 'mechanism': 'SCRAM-SHA-256', 'iterations': '8192'},
        {'name': 'b', 'state': 'absent'}], _ansible_check_mode=True, _ansible_diff=True), capsys)
    assert seen == [(['a', 'b'], "User('a', present, ('SCRAM-SHA-256',), iterations=8192, password=set)",
                     {'prefix': 'app-', 'regex': None, 'max_deletions': 10, 'protected': []},
                     {'servers': [('k1', 9093)], 'security_protocol': 'SASL_PLAINTEXT', 'ssl_cafile': None,
                      'ssl_check_hostname': True, 'timeout': 30},
                     'always', True, True)]
    assert result['changed'] is True and result['changes'][0]['iterations'] == 8192
    assert warned == ['a warning']
    # the arguments Ansible echoes back (-vvv) have the password masked
    assert result['invocation']['module_args']['users'][0]['password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def test_a_failure_after_changes_began_keeps_its_result_keys(monkeypatch, capsys):
    def fake_run(params, users, prune, login, check_mode, diff):
        raise kafka_connection.KafkaModuleError('Failed after applying 1 SCRAM credential changes (see applied): x',
                                                changed=True, applied=[{'user': 'a', 'action': 'create'}])
    monkeypatch.setattr(kafka_users, 'run_users', fake_run)
    result = run(dict(LOGIN, users=[{'name': 'a', 'password': SECRET}]), capsys)
    assert result['failed'] is True and result['changed'] is True
    assert result['applied'] == [{'user': 'a', 'action': 'create'}]


def test_missing_library_is_reported(monkeypatch, capsys):
    monkeypatch.setattr(kafka_connection, 'KAFKA_IMPORT_ERROR', 'Traceback: No module named kafka')
    result = run(dict(LOGIN, users=[{'name': 'a', 'password': SECRET}]), capsys)
    assert result['failed'] is True
    assert result['msg'].startswith('Failed to import the required Python library (kafka-python >= 3.0)')


def test_a_password_the_module_would_echo_is_masked(monkeypatch, capsys):
    """Belt and braces: even if a message carried a password, Ansible's no_log masks it."""
    def fake_run(params, users, prune, login, check_mode, diff):
        return {'changed': False, 'changes': [], 'note': 'x%sx' % users['a'].password}, []
    monkeypatch.setattr(kafka_users, 'run_users', fake_run)
    result = run(dict(LOGIN, users=[{'name': 'a', 'password': SECRET}]), capsys)
    assert result['note'] == 'x********x'



def test_the_invocation_log_holds_no_password_even_with_a_backslash(monkeypatch):
    """Ansible logs the invocation to the journal through str(), which escapes a backslash: the password
    would no longer match its mask. The module leaves every users[].password out instead."""
    logged = []
    monkeypatch.setattr(kafka_users.SecretListsModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    password = 'back\\slash-' + SECRET
    with patch_module_args({'bootstrap_servers': 'k:9092', 'users': [{'name': 'alice', 'password': password}]}):
        module = kafka_users.SecretListsModule(**specs.KAFKA_USERS_ARGS)
    assert module.params['users'][0]['password'] == password
    assert len(logged) == 1 and 'alice' in logged[0]
    assert SECRET not in logged[0] and 'NOT_LOGGING_PARAMETER' in logged[0]
