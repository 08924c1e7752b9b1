# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Client quota declarations, plans and diffs: pure functions, exact plans and exact messages."""

import pytest

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_plan import (
    DEFAULT, KEYS, Entity, PlanError, build_plan, declare, diff, entity_label, entity_sort_key, format_value,
    in_prune_scope, parse_entry, pending, prune_name, quotas_text, validate_prune, value_problem)


def entry(user=None, client_id=None, default_user=False, default_client_id=False, state='present', **quotas):
    """An entry as Ansible hands it over: every option present, defaults filled in."""
    result = {'user': user, 'client_id': client_id, 'default_user': default_user,
              'default_client_id': default_client_id, 'state': state}
    result.update((k, quotas.get(k)) for k in KEYS)
    return result


def declared(*entries, **kwargs):
    result, errors = declare(list(entries), **kwargs)
    assert errors == []
    return result


def errors_of(*entries, **kwargs):
    result, errors = declare(list(entries), **kwargs)
    assert result == {}, 'invalid input must declare nothing'
    return errors


def prune(prefix=None, regex=None, max_deletions=10):
    return {'prefix': prefix, 'regex': regex, 'max_deletions': max_deletions}


ALICE = Entity('alice', None)
APP = Entity(None, 'app')
ALICE_APP = Entity('alice', 'app')


# ---------------------------------------------------------------- the vocabulary

def test_keys_are_kafkas_user_and_client_quota_keys():
    assert KEYS == ('producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate')


@pytest.mark.parametrize('entity, label', [
    (Entity('alice', None), "user 'alice'"),
    (Entity(None, 'app'), "client-id 'app'"),
    (Entity('alice', 'app'), "user 'alice', client-id 'app'"),
    (Entity(DEFAULT, None), 'default user'),
    (Entity(None, DEFAULT), 'default client-id'),
    (Entity(DEFAULT, DEFAULT), 'default user, default client-id'),
    (Entity('alice', DEFAULT), "user 'alice', default client-id"),
    (Entity(DEFAULT, 'app'), "default user, client-id 'app'"),
    (Entity('CN=app,OU=Kafka', None), "user 'CN=app,OU=Kafka'"),
])
def test_entity_labels(entity, label):
    assert entity_label(entity) == label


def test_entities_sort_users_first_defaults_before_names():
    entities = [Entity(None, 'b'), Entity(None, DEFAULT), Entity('bob', None), Entity('alice', 'x'),
                Entity('alice', None), Entity(DEFAULT, None), Entity('alice', DEFAULT)]
    assert [entity_label(e) for e in sorted(entities, key=entity_sort_key)] == [
        'default user', "user 'alice'", "user 'alice', default client-id", "user 'alice', client-id 'x'",
        "user 'bob'", 'default client-id', "client-id 'b'"]


def test_values_are_shown_as_kafka_stores_them():
    assert format_value(1048576.0) == '1048576'
    assert format_value(12.5) == '12.5'
    assert quotas_text({'request_percentage': 50.0, 'consumer_byte_rate': 1024.0}) == \
        'consumer_byte_rate: 1024\nrequest_percentage: 50\n'


# ---------------------------------------------------------------- one entry

def test_an_entry_with_every_kind_of_entity():
    assert parse_entry(0, entry(user='alice', producer_byte_rate=1024)) == \
        ((ALICE, 'present', {'producer_byte_rate': 1024.0}), [])
    assert parse_entry(0, entry(default_user=True, client_id='app', request_percentage=12.5))[0] == \
        (Entity(DEFAULT, 'app'), 'present', {'request_percentage': 12.5})
    assert parse_entry(0, entry(default_client_id=True, state='absent'))[0] == (Entity(None, DEFAULT), 'absent', {})


@pytest.mark.parametrize('key, value, problem', [
    ('producer_byte_rate', 1024, None),
    ('producer_byte_rate', 2 ** 63 - 1, None),
    ('producer_byte_rate', 2 ** 63, 'producer_byte_rate must be at most 9223372036854775807, got 9223372036854775808'),
    ('producer_byte_rate', 0, 'producer_byte_rate must be greater than 0, got 0'),
    ('consumer_byte_rate', -5, 'consumer_byte_rate must be greater than 0, got -5'),
    ('consumer_byte_rate', 1.5, 'consumer_byte_rate is a whole number of bytes per second, got 1.5'),
    ('consumer_byte_rate', 2.0, None),
    ('request_percentage', 0.5, None),
    ('request_percentage', 250, None),
    ('request_percentage', 0.0, 'request_percentage must be greater than 0, got 0'),
    ('controller_mutation_rate', float('nan'), 'controller_mutation_rate must be a finite number, got nan'),
    ('controller_mutation_rate', float('inf'), 'controller_mutation_rate must be a finite number, got inf'),
    ('request_percentage', True, 'request_percentage must be a number, got True'),
    ('request_percentage', '50', "request_percentage must be a number, got '50'"),
])
def test_values(key, value, problem):
    assert value_problem(key, value) == problem


def test_every_problem_of_an_entry_is_named():
    assert errors_of(
        entry(user='ok', producer_byte_rate=1),
        entry(),
        entry(user='alice', default_user=True, client_id='app', default_client_id=True, producer_byte_rate=1),
        entry(user='User:alice', consumer_byte_rate=0, state='gone'),
        entry(user='<default>', producer_byte_rate=1),
        entry(client_id='', producer_byte_rate=1),
        entry(client_id=' app', producer_byte_rate=1),
        entry(user='bob'),
        entry(user='carol', state='absent', request_percentage=10),
    ) == [
        'quotas[1]: an entry needs user, default_user, client_id or default_client_id',
        'quotas[1]: state present needs at least one quota (producer_byte_rate, consumer_byte_rate, '
        'request_percentage, controller_mutation_rate); to remove every quota of the entity use state: absent',
        'quotas[2]: user and default_user exclude each other',
        'quotas[2]: client_id and default_client_id exclude each other',
        "quotas[3]: user 'User:alice' is a principal: quotas take the bare user name, 'alice' (as the broker "
        "authenticates it)",
        "quotas[3]: unknown state 'gone' (one of: present, absent)",
        'quotas[3]: consumer_byte_rate must be greater than 0, got 0',
        "quotas[4]: user '<default>' is how ZooKeeper spells the default entity: write default_user: true",
        'quotas[5]: client_id must be a non-empty name',
        "quotas[6]: client_id ' app' has leading or trailing white space",
        'quotas[7]: state present needs at least one quota (producer_byte_rate, consumer_byte_rate, '
        'request_percentage, controller_mutation_rate); to remove every quota of the entity use state: absent',
        'quotas[8]: state absent removes every quota of the entity: declare no values (to remove one key, leave '
        'it out of a present entry)',
    ]


def test_an_entity_declared_twice_is_refused_whatever_its_state():
    assert errors_of(entry(user='alice', producer_byte_rate=1), entry(client_id='app', producer_byte_rate=1),
                     entry(user='alice', state='absent')) == [
        "quotas[2]: user 'alice' is already declared in quotas[0]"]
    # the default and a user named like it are different entities; so are user and user+client
    assert len(declared(entry(default_user=True, producer_byte_rate=1), entry(user='default', producer_byte_rate=1),
                        entry(user='default', client_id='app', producer_byte_rate=1))) == 3


def test_default_false_is_no_default():
    assert list(declared(entry(user='alice', default_user=False, default_client_id=False, producer_byte_rate=1))) \
        == [ALICE]


# ---------------------------------------------------------------- prune scope

def test_prune_needs_a_scope_and_a_valid_regex():
    assert validate_prune(None) == []
    assert validate_prune(prune()) == [
        'prune: requires prune_prefix or prune_regex; refusing to prune every quota of the cluster']
    assert validate_prune(prune(regex='(')) == [
        "prune: prune_regex '(' is not a valid regular expression: missing ), unterminated subpattern at position 0"]
    assert validate_prune(prune(prefix='a', max_deletions=-1)) == ['prune: prune_max_deletions must be >= 0']
    assert errors_of(entry(user='a', producer_byte_rate=1), prune=prune()) == [
        'prune: requires prune_prefix or prune_regex; refusing to prune every quota of the cluster']


@pytest.mark.parametrize('entity, name', [
    (Entity('team-a-x', None), 'team-a-x'),
    (Entity('team-a-x', 'other'), 'team-a-x'),
    (Entity('team-a-x', DEFAULT), 'team-a-x'),
    (Entity(DEFAULT, 'team-a-app'), 'team-a-app'),
    (Entity(None, 'team-a-app'), 'team-a-app'),
    (Entity(DEFAULT, None), None),
    (Entity(None, DEFAULT), None),
    (Entity(DEFAULT, DEFAULT), None),
])
def test_an_entity_is_pruned_by_its_user_name_else_its_client_id(entity, name):
    assert prune_name(entity) == name


def test_prune_scope_needs_every_option_given():
    scope = prune(prefix='team-', regex=r'.*-svc')
    assert in_prune_scope(Entity('team-a-svc', None), scope)
    assert not in_prune_scope(Entity('team-a-app', None), scope)
    assert not in_prune_scope(Entity('x-svc', None), scope)
    assert not in_prune_scope(Entity(DEFAULT, DEFAULT), prune(regex='.*'))


# ---------------------------------------------------------------- plans

def test_declared_keys_are_exact_and_unchanged_entities_are_not_touched():
    current = {ALICE: {'producer_byte_rate': 1024.0, 'request_percentage': 50.0},
               APP: {'consumer_byte_rate': 2048.0}}
    plan = build_plan(declared(entry(user='alice', producer_byte_rate=4096),
                               entry(client_id='app', consumer_byte_rate=2048),
                               entry(user='alice', client_id='app', request_percentage=12.5)), current)
    assert plan['alterations'] == [
        (ALICE, {'producer_byte_rate': 4096.0, 'request_percentage': None}),
        (ALICE_APP, {'request_percentage': 12.5})]
    assert plan['expected'] == {ALICE: {'producer_byte_rate': 4096.0}, ALICE_APP: {'request_percentage': 12.5}}
    assert plan['changes'] == [
        {'action': 'update', 'entity': "user 'alice'",
         'before': {'producer_byte_rate': 1024, 'request_percentage': 50.0}, 'after': {'producer_byte_rate': 4096}},
        {'action': 'create', 'entity': "user 'alice', client-id 'app'",
         'before': {}, 'after': {'request_percentage': 12.5}}]


def test_a_run_on_the_planned_state_plans_nothing():
    wanted = declared(entry(user='alice', producer_byte_rate=1024, request_percentage=10),
                      entry(default_user=True, default_client_id=True, consumer_byte_rate=1),
                      entry(client_id='gone', state='absent'))
    first = build_plan(wanted, {})
    assert [c['action'] for c in first['changes']] == ['create', 'create']
    again = build_plan(wanted, first['expected'])
    assert again == {'alterations': [], 'expected': {}, 'changes': []}


def test_absent_removes_every_known_key_and_leaves_unknown_keys():
    current = {ALICE: {'producer_byte_rate': 1.0, 'consumer_byte_rate': 2.0, 'some_future_key': 3.0}}
    plan = build_plan(declared(entry(user='alice', state='absent')), current)
    assert plan['alterations'] == [(ALICE, {'consumer_byte_rate': None, 'producer_byte_rate': None})]
    assert plan['changes'] == [{'action': 'delete', 'entity': "user 'alice'", 'reason': 'state is absent',
                                'before': {'consumer_byte_rate': 2, 'producer_byte_rate': 1}, 'after': {}}]
    # a present entry does not remove keys the module does not know either
    plan = build_plan(declared(entry(user='alice', producer_byte_rate=1, consumer_byte_rate=2)), current)
    assert plan['changes'] == []


def test_prune_deletes_undeclared_entities_in_scope_only():
    current = {Entity('team-x', None): {'producer_byte_rate': 1.0},
               Entity('team-y', 'app'): {'consumer_byte_rate': 1.0},
               Entity('team-keep', None): {'producer_byte_rate': 1.0},
               Entity('other', None): {'producer_byte_rate': 1.0},
               Entity(DEFAULT, None): {'producer_byte_rate': 1.0},
               Entity(None, 'team-client'): {'request_percentage': 1.0},
               Entity('team-gone', None): {'producer_byte_rate': 1.0}}
    wanted = declared(entry(user='team-keep', producer_byte_rate=1), entry(user='team-gone', state='absent'),
                      prune=prune(prefix='team-', max_deletions=3))
    plan = build_plan(wanted, current, prune(prefix='team-', max_deletions=3))
    assert [(c['action'], c['entity'], c['reason']) for c in plan['changes']] == [
        ('delete', "user 'team-gone'", 'state is absent'),
        ('delete', "user 'team-x'", 'pruned: not declared'),
        ('delete', "user 'team-y', client-id 'app'", 'pruned: not declared'),
        ('delete', "client-id 'team-client'", 'pruned: not declared')]


def test_prune_above_the_maximum_names_every_candidate():
    current = {Entity('t-%d' % i, None): {'producer_byte_rate': 1.0} for i in range(3)}
    with pytest.raises(PlanError) as e:
        build_plan({}, current, prune(prefix='t-', max_deletions=2))
    assert e.value.errors == ["prune: would delete the quotas of 3 entities, more than prune_max_deletions (2): "
                              "user 't-0'; user 't-1'; user 't-2'"]
    assert len(build_plan({}, current, prune(prefix='t-', max_deletions=3))['changes']) == 3


def test_a_declared_absent_entity_with_no_quotas_is_no_change():
    assert build_plan(declared(entry(user='nobody', state='absent')), {ALICE: {}})['changes'] == []


def test_diff_per_changed_entity():
    current = {ALICE: {'producer_byte_rate': 1024.0, 'request_percentage': 50.0}, APP: {'consumer_byte_rate': 1.0}}
    plan = build_plan(declared(entry(user='alice', producer_byte_rate=1024), entry(client_id='app', state='absent'),
                               entry(default_user=True, controller_mutation_rate=2.5)), current)
    assert diff(current, plan) == [
        {'before_header': 'default user', 'after_header': 'default user',
         'before': '', 'after': 'controller_mutation_rate: 2.5\n'},
        {'before_header': "user 'alice'", 'after_header': "user 'alice'",
         'before': 'producer_byte_rate: 1024\nrequest_percentage: 50\n', 'after': 'producer_byte_rate: 1024\n'},
        {'before_header': "client-id 'app'", 'after_header': "client-id 'app'",
         'before': 'consumer_byte_rate: 1\n', 'after': ''}]


def test_pending_lists_entities_not_yet_as_expected():
    expected = {ALICE: {'producer_byte_rate': 1.0}, APP: {}}
    assert pending(expected, {ALICE: {'producer_byte_rate': 1.0, 'x': 1.0}}) == []
    assert pending(expected, {ALICE: {'producer_byte_rate': 2.0}, APP: {'consumer_byte_rate': 1.0}}) == [
        "user 'alice'", "client-id 'app'"]
