# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""SCRAM user declarations, login settings, plans and diffs: pure functions, exact plans and messages."""

import pytest

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_plan import (
    LOGIN_REFUSED, PlanError, User, build_plan, declare, diff, login_settings, logins_needed, parse_server,
    validate)

SECRET = 'S3cret-never-shown'


def entry(name='alice', mechanisms=None, password=SECRET, iterations=4096, state='present'):
    """An entry as Ansible hands it over: every option present, defaults filled in."""
    return {'name': name, 'mechanisms': mechanisms, 'password': password, 'iterations': iterations, 'state': state}


def declared(*entries, **kwargs):
    users, errors = declare(list(entries), **kwargs)
    assert errors == []
    return users


def errors_of(*entries, **kwargs):
    users, errors = declare(list(entries), **kwargs)
    assert users == {}, 'invalid input must declare nothing'
    return errors


def prune(prefix=None, regex=None, max_deletions=10, protected=()):
    return {'prefix': prefix, 'regex': regex, 'max_deletions': max_deletions, 'protected': list(protected)}


def params(**overrides):
    """Module parameters with the argument spec's defaults."""
    value = {'bootstrap_servers': ['k1:9092'], 'security_protocol': 'PLAINTEXT', 'ssl_cafile': None,
             'ssl_check_hostname': True, 'sasl_mechanism': None, 'sasl_username': None, 'sasl_password': None,
             'request_timeout': 30, 'users': [entry()], 'update_password': 'always',
             'login_bootstrap_servers': ['k1:9093'], 'login_security_protocol': 'SASL_PLAINTEXT',
             'login_ssl_cafile': None, 'prune': False, 'prune_prefix': None, 'prune_regex': None,
             'prune_max_deletions': 10, 'wait_timeout': 60}
    value.update(overrides)
    return value


# ---------------------------------------------------------------- declarations

def test_a_present_user_defaults_to_scram_sha_512():
    users = declared(entry())
    assert users == {'alice': User('alice', ('SCRAM-SHA-512',), SECRET, 4096, 'present', "users[0] 'alice'")}


def test_mechanisms_are_normalised_and_sorted():
    users = declared(entry(mechanisms=['scram-sha-512', 'SCRAM-SHA-256']))
    assert users['alice'].mechanisms == ('SCRAM-SHA-256', 'SCRAM-SHA-512')


def test_an_absent_user_needs_no_password_and_means_every_mechanism():
    users = declared(entry(password=None, state='absent', iterations=1))
    assert users['alice'].mechanisms is None and users['alice'].state == 'absent'
    assert declared(entry(password=None, state='absent', mechanisms=['SCRAM-SHA-256']))['alice'].mechanisms == \
        ('SCRAM-SHA-256',)


def test_the_password_is_in_no_repr():
    user = declared(entry())['alice']
    assert SECRET not in repr(user) and SECRET not in str(user)
    assert repr(user) == "User('alice', present, ('SCRAM-SHA-512',), iterations=4096, password=set)"


def test_every_bad_entry_is_named_at_once():
    assert errors_of(
        entry(),                                                    # valid
        entry(name=''),
        entry(name='bob', mechanisms=['SCRAM-SHA-1', 'PLAIN']),
        entry(name='carol', iterations=1000),
        entry(name='dave', iterations=20000, password=None),
        entry(name=' eve'),
        entry(name='frank', state='gone'),
        entry(name='gina', mechanisms=['SCRAM-SHA-256', 'scram-sha-256']),
        entry(name='alice'),
        entry(name='hal', mechanisms=[]),
        entry(name='ivy\n'),
        entry(name='jo', password=12345),
    ) == [
        'users[1]: name is required (a non-empty string)',
        "users[2] 'bob': unknown mechanism 'SCRAM-SHA-1' (did you mean 'SCRAM-SHA-512'?) "
        "(one of: SCRAM-SHA-256, SCRAM-SHA-512)",
        "users[2] 'bob': unknown mechanism 'PLAIN' (one of: SCRAM-SHA-256, SCRAM-SHA-512)",
        "users[3] 'carol': iterations must be between 4096 and 16384 (what Kafka accepts), got 1000",
        "users[4] 'dave': iterations must be between 4096 and 16384 (what Kafka accepts), got 20000",
        "users[4] 'dave': password is required with state present",
        "users[5] ' eve': name ' eve' begins or ends with white space",
        "users[6] 'frank': unknown state 'gone' (one of: present, absent)",
        "users[7] 'gina': mechanism SCRAM-SHA-256 is listed twice",
        "users[8] 'alice': user 'alice' is declared more than once (also users[0] 'alice')",
        "users[9] 'hal': mechanisms must list at least one mechanism (or be left out)",
        "users[10] 'ivy\\n': name 'ivy\\n' begins or ends with white space",
        "users[11] 'jo': password must be a string, got a int",
    ]


def test_no_message_shows_a_password():
    errors = errors_of(entry(name='a', password=SECRET, iterations=1), entry(name='a', password=SECRET),
                       entry(name='b', password=SECRET, state='x', mechanisms=['x']),
                       entry(name='c', password=[SECRET]))
    assert errors == [
        "users[0] 'a': iterations must be between 4096 and 16384 (what Kafka accepts), got 1",
        "users[1] 'a': user 'a' is declared more than once (also users[0] 'a')",
        "users[2] 'b': unknown state 'x' (one of: present, absent)",
        "users[2] 'b': unknown mechanism 'X' (one of: SCRAM-SHA-256, SCRAM-SHA-512)",
        "users[3] 'c': password must be a string, got a list"]


def test_a_control_character_inside_a_name_is_refused():
    assert errors_of(entry(name='a\x00b')) == ["users[0] 'a\\x00b': name 'a\\x00b' contains control characters"]


@pytest.mark.parametrize('scope, error', [
    (prune(), 'prune: requires prune_prefix or prune_regex; refusing to prune every SCRAM user of the cluster'),
    (prune(regex='('), "prune: prune_regex '(' is not a valid regular expression: missing ), unterminated "
                       "subpattern at position 0"),
    (prune(prefix='app-', max_deletions=-1), 'prune: prune_max_deletions must be >= 0'),
])
def test_prune_scope_errors(scope, error):
    assert errors_of(entry(), prune=scope) == [error]


# ---------------------------------------------------------------- login settings

@pytest.mark.parametrize('server, address', [
    ('k1:9093', ('k1', 9093)),
    (' 10.0.0.1:9093 ', ('10.0.0.1', 9093)),
    ('[::1]:9093', ('::1', 9093)),
    ('k1', None),
    ('k1:0', None),
    ('k1:x', None),
    ('::1:9093', None),
])
def test_parse_server(server, address):
    assert parse_server(server) == address


def test_an_explicit_login_listener():
    login, errors = login_settings(params(login_bootstrap_servers=['k1:9093', 'k2:9093'],
                                          login_security_protocol='SASL_SSL', ssl_cafile='/ca.pem'))
    assert errors == []
    assert login == {'servers': [('k1', 9093), ('k2', 9093)], 'security_protocol': 'SASL_SSL',
                     'ssl_cafile': '/ca.pem', 'ssl_check_hostname': True, 'timeout': 30}
    login, _ = login_settings(params(login_ssl_cafile='/login-ca.pem', ssl_cafile='/ca.pem'))
    assert login['ssl_cafile'] == '/login-ca.pem'


def test_a_sasl_admin_connection_is_the_default_login_listener():
    login, errors = login_settings(params(bootstrap_servers=['k1:9094', 'k2:9094'], security_protocol='SASL_SSL',
                                          login_bootstrap_servers=None, login_security_protocol=None))
    assert errors == []
    assert (login['servers'], login['security_protocol']) == ([('k1', 9094), ('k2', 9094)], 'SASL_SSL')


def test_a_plaintext_admin_connection_gives_no_login_listener():
    assert login_settings(params(login_bootstrap_servers=None, login_security_protocol=None)) == (None, [])


@pytest.mark.parametrize('overrides, error', [
    ({'login_security_protocol': None},
     'login_security_protocol is required with login_bootstrap_servers (SASL_PLAINTEXT or SASL_SSL), as the '
     'admin connection is PLAINTEXT'),
    ({'login_bootstrap_servers': None},
     'login_security_protocol: given without login_bootstrap_servers, and the admin connection is not SASL '
     '(so its servers cannot be used to log in)'),
    ({'login_bootstrap_servers': ['k1:9093', 'k2']}, "login_bootstrap_servers: 'k2' is not host:port"),
])
def test_login_settings_errors(overrides, error):
    assert login_settings(params(**overrides)) == (None, [error])


def test_validate_refuses_update_password_always_without_a_login_listener():
    users, prune_, login, errors = validate(params(login_bootstrap_servers=None, login_security_protocol=None))
    assert (users, prune_, login) == ({}, None, None)
    assert errors == [
        'update_password=always decides whether a password is already right by logging in as the user, and no '
        'SCRAM listener is known: set login_bootstrap_servers and login_security_protocol, or '
        'update_password=on_create (only new credentials get a password)']


def test_validate_needs_no_login_listener_for_on_create_or_deletions_only():
    no_login = dict(login_bootstrap_servers=None, login_security_protocol=None)
    assert validate(params(update_password='on_create', **no_login))[3] == []
    assert validate(params(users=[entry(state='absent', password=None)], **no_login))[3] == []


def test_validate_collects_entry_login_and_prune_errors_together():
    users, _, _, errors = validate(params(users=[entry(iterations=1)], login_security_protocol=None, prune=True))
    assert errors == [
        "users[0] 'alice': iterations must be between 4096 and 16384 (what Kafka accepts), got 1",
        'prune: requires prune_prefix or prune_regex; refusing to prune every SCRAM user of the cluster',
        'login_security_protocol is required with login_bootstrap_servers (SASL_PLAINTEXT or SASL_SSL), as the '
        'admin connection is PLAINTEXT']
    assert users == {}


def test_validate_protects_the_scram_user_of_the_admin_connection_from_pruning():
    _, scope, login, errors = validate(params(
        security_protocol='SASL_PLAINTEXT', sasl_mechanism='SCRAM-SHA-512', sasl_username='admin',
        sasl_password='x', prune=True, prune_prefix='a', login_bootstrap_servers=None, login_security_protocol=None))
    assert errors == []
    assert scope == {'prefix': 'a', 'regex': None, 'max_deletions': 10, 'protected': ['admin']}
    assert login['servers'] == [('k1', 9092)]
    _, scope, _, _ = validate(params(security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN',
                                     sasl_username='admin', sasl_password='x', prune=True, prune_prefix='a'))
    assert scope['protected'] == []


# ---------------------------------------------------------------- plans

def test_a_new_user_is_created_without_a_login():
    users = declared(entry(mechanisms=['SCRAM-SHA-256', 'SCRAM-SHA-512'], iterations=8192))
    assert logins_needed(users, {}, 'always') == []
    plan = build_plan(users, {}, {})
    assert plan['upserts'] == [('alice', 'SCRAM-SHA-256', 8192), ('alice', 'SCRAM-SHA-512', 8192)]
    assert plan['deletes'] == [] and plan['warnings'] == []
    assert plan['changes'] == [
        {'user': 'alice', 'mechanism': 'SCRAM-SHA-256', 'action': 'create', 'iterations': 8192,
         'reason': 'no credential'},
        {'user': 'alice', 'mechanism': 'SCRAM-SHA-512', 'action': 'create', 'iterations': 8192,
         'reason': 'no credential'}]


def test_an_existing_credential_is_checked_by_a_login_and_kept_when_accepted():
    users = declared(entry())
    current = {'alice': {'SCRAM-SHA-512': 4096}}
    assert logins_needed(users, current, 'always') == [('alice', 'SCRAM-SHA-512')]
    plan = build_plan(users, current, {('alice', 'SCRAM-SHA-512'): True})
    assert plan == {'upserts': [], 'deletes': [], 'changes': [], 'warnings': []}


def test_a_refused_login_rewrites_the_credential():
    plan = build_plan(declared(entry()), {'alice': {'SCRAM-SHA-512': 4096}}, {('alice', 'SCRAM-SHA-512'): False})
    assert plan['upserts'] == [('alice', 'SCRAM-SHA-512', 4096)]
    assert plan['changes'] == [{'user': 'alice', 'mechanism': 'SCRAM-SHA-512', 'action': 'update',
                                'iterations': 4096, 'reason': LOGIN_REFUSED}]
    assert LOGIN_REFUSED == 'password differs: a login with the declared password was refused'


def test_other_iterations_are_rewritten_without_a_login():
    users = declared(entry(iterations=8192))
    current = {'alice': {'SCRAM-SHA-512': 4096}}
    assert logins_needed(users, current, 'always') == []
    plan = build_plan(users, current, {})
    assert plan['changes'] == [{'user': 'alice', 'mechanism': 'SCRAM-SHA-512', 'action': 'update',
                                'iterations': 8192, 'reason': 'iterations 4096 -> 8192'}]


def test_an_undeclared_mechanism_of_a_present_user_is_deleted():
    users = declared(entry(mechanisms=['SCRAM-SHA-512']))
    current = {'alice': {'SCRAM-SHA-256': 4096, 'SCRAM-SHA-512': 4096}}
    plan = build_plan(users, current, {('alice', 'SCRAM-SHA-512'): True})
    assert plan['deletes'] == [('alice', 'SCRAM-SHA-256')] and plan['upserts'] == []
    assert plan['changes'] == [{'user': 'alice', 'mechanism': 'SCRAM-SHA-256', 'action': 'delete',
                                'reason': 'mechanism not declared'}]


def test_on_create_never_logs_in_nor_rewrites_and_warns_about_iterations():
    users = declared(entry(mechanisms=['SCRAM-SHA-256', 'SCRAM-SHA-512'], iterations=8192))
    current = {'alice': {'SCRAM-SHA-512': 4096}}
    assert logins_needed(users, current, 'on_create') == []
    plan = build_plan(users, current, {}, 'on_create')
    assert plan['upserts'] == [('alice', 'SCRAM-SHA-256', 8192)]
    assert plan['warnings'] == [
        "users[0] 'alice': SCRAM-SHA-512 has 4096 iterations, not the declared 8192; update_password=on_create "
        "leaves an existing credential alone (always rewrites it)"]


def test_absent_deletes_the_listed_or_every_mechanism():
    current = {'alice': {'SCRAM-SHA-256': 4096, 'SCRAM-SHA-512': 8192}, 'bob': {'SCRAM-SHA-256': 4096}}
    users = declared(entry(state='absent'), entry(name='bob', state='absent', mechanisms=['SCRAM-SHA-512']),
                     entry(name='nobody', state='absent'))
    plan = build_plan(users, current, {})
    assert plan['deletes'] == [('alice', 'SCRAM-SHA-256'), ('alice', 'SCRAM-SHA-512')]
    assert [c['reason'] for c in plan['changes']] == ['state is absent', 'state is absent']


def test_prune_deletes_only_undeclared_users_in_scope():
    current = {'app-a': {'SCRAM-SHA-512': 4096}, 'app-b': {'SCRAM-SHA-256': 4096, 'SCRAM-SHA-512': 4096},
               'app-keep': {'SCRAM-SHA-512': 4096}, 'broker': {'SCRAM-SHA-512': 4096}, 'app-x': {}}
    users = declared(entry(name='app-keep'))
    plan = build_plan(users, current, {('app-keep', 'SCRAM-SHA-512'): True}, prune=prune(prefix='app-'))
    assert plan['deletes'] == [('app-a', 'SCRAM-SHA-512'), ('app-b', 'SCRAM-SHA-256'), ('app-b', 'SCRAM-SHA-512')]
    assert set(c['reason'] for c in plan['changes']) == {'pruned: not declared'}
    plan = build_plan(users, current, {('app-keep', 'SCRAM-SHA-512'): True}, prune=prune(regex='app-[a]'))
    assert plan['deletes'] == [('app-a', 'SCRAM-SHA-512')]
    plan = build_plan(users, current, {('app-keep', 'SCRAM-SHA-512'): True}, prune=prune(prefix='app-', regex='.*a'))
    assert plan['deletes'] == [('app-a', 'SCRAM-SHA-512')]


def test_prune_above_the_maximum_counts_users_and_changes_nothing():
    current = {'app-a': {'SCRAM-SHA-512': 4096}, 'app-b': {'SCRAM-SHA-256': 4096, 'SCRAM-SHA-512': 4096},
               'app-c': {'SCRAM-SHA-512': 4096}}
    with pytest.raises(PlanError) as e:
        build_plan({}, current, {}, prune=prune(prefix='app-', max_deletions=2))
    assert e.value.errors == ['prune: would delete the credentials of 3 users, more than prune_max_deletions (2): '
                              'app-a, app-b, app-c']
    assert len(build_plan({}, current, {}, prune=prune(prefix='app-', max_deletions=3))['deletes']) == 4


def test_the_connection_user_is_never_pruned():
    current = {'app-admin': {'SCRAM-SHA-512': 4096}, 'app-a': {'SCRAM-SHA-512': 4096}}
    plan = build_plan({}, current, {}, prune=prune(prefix='app-', max_deletions=1, protected=['app-admin']))
    assert plan['deletes'] == [('app-a', 'SCRAM-SHA-512')]
    assert plan['warnings'] == ["user 'app-admin' is not pruned: the module connects as this user"]


def test_explicit_absent_does_not_count_against_the_prune_maximum():
    current = {'app-a': {'SCRAM-SHA-512': 4096}, 'app-b': {'SCRAM-SHA-512': 4096}}
    plan = build_plan(declared(entry(name='app-a', state='absent')), current, {}, prune=prune(prefix='app-',
                                                                                               max_deletions=1))
    assert [(c['user'], c['reason']) for c in plan['changes']] == [('app-a', 'state is absent'),
                                                                   ('app-b', 'pruned: not declared')]


def test_the_plan_holds_no_password():
    users = declared(entry(), entry(name='bob', iterations=8192))
    plan = build_plan(users, {'alice': {'SCRAM-SHA-512': 4096}, 'bob': {'SCRAM-SHA-512': 4096}},
                      {('alice', 'SCRAM-SHA-512'): False})
    assert len(plan['changes']) == 2
    assert SECRET not in repr(plan) and SECRET not in repr(diff(users, {}, plan))


# ---------------------------------------------------------------- diffs

def test_diff_shows_mechanisms_and_iterations_and_marks_a_new_password():
    users = declared(entry(mechanisms=['SCRAM-SHA-256', 'SCRAM-SHA-512']), entry(name='bob', iterations=8192),
                     entry(name='carol', state='absent'))
    current = {'alice': {'SCRAM-SHA-512': 4096}, 'bob': {'SCRAM-SHA-512': 4096}, 'carol': {'SCRAM-SHA-256': 4096},
               'app-old': {'SCRAM-SHA-256': 4096}, 'other': {'SCRAM-SHA-256': 4096}}
    scope = prune(prefix='app-')
    plan = build_plan(users, current, {('alice', 'SCRAM-SHA-512'): False}, prune=scope)
    assert diff(users, current, plan, scope) == {
        'before_header': 'SCRAM users', 'after_header': 'SCRAM users',
        'before': ('alice: SCRAM-SHA-512 (4096 iterations)\n'
                   'app-old: SCRAM-SHA-256 (4096 iterations)\n'
                   'bob: SCRAM-SHA-512 (4096 iterations)\n'
                   'carol: SCRAM-SHA-256 (4096 iterations)\n'),
        'after': ('alice: SCRAM-SHA-256 (4096 iterations), SCRAM-SHA-512 (4096 iterations, new password)\n'
                  'bob: SCRAM-SHA-512 (8192 iterations, new password)\n'),
    }


def test_diff_of_a_no_op_is_equal():
    users = declared(entry())
    current = {'alice': {'SCRAM-SHA-512': 4096}}
    plan = build_plan(users, current, {('alice', 'SCRAM-SHA-512'): True})
    d = diff(users, current, plan)
    assert d['before'] == d['after'] == 'alice: SCRAM-SHA-512 (4096 iterations)\n'
