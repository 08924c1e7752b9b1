# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""kafka_quotas against a real cluster, run through Ansible.

Needs KAFKA_BOOTSTRAP_SERVERS (PLAINTEXT, a client allowed to describe and alter configs: in the
Molecule cluster PLAINTEXT clients are User:ANONYMOUS, a super user). The users and client ids of
each test carry a unique tag, and every quota of a tagged entity is removed at the end. One test
also sets the cluster-wide default client-id entity: its quotas are saved first and restored at
the end. The state of the cluster is read with kafka-python's protocol classes directly, not with
the module's code.
"""

import time
import uuid

import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic, UserScramCredentialDeletion, UserScramCredentialUpsertion
from kafka.protocol.admin import AlterClientQuotasRequest, DescribeClientQuotasRequest

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaAdmin
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_apply import Applier, QuotaClient
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_plan import Entity
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_apply import alter_on_controller

# An entity as this test spells it, independent of the module: a sorted tuple of (type, name or None).
DEFAULT_CLIENT = (('client-id', None),)


def ok(result):
    assert not result.get('failed'), result.get('msg')
    return result


def user(name):
    return (('user', name),)


def client(name):
    return (('client-id', name),)


def user_client(u, c):
    return (('client-id', c), ('user', u))


def send(admin, request):
    manager = admin._manager
    return manager.run(manager.send, request)


def all_quotas(admin):
    """{entity: {key: value}} of every user and client-id entity of the cluster."""
    response = send(admin, DescribeClientQuotasRequest(components=[], strict=False))
    assert response.error_code == 0, response.error_message
    return dict((tuple(sorted((e.entity_type, e.entity_name) for e in entry.entity)),
                 dict((v.key, v.value) for v in entry.values))
                for entry in response.entries or []
                if all(e.entity_type in ('user', 'client-id') for e in entry.entity))


def quotas_of(admin, tag, with_default=False):
    """The quotas of the entities with a tagged name (and of the default client id if asked)."""
    return dict((e, q) for e, q in all_quotas(admin).items()
                if any(name and tag in name for _, name in e) or (with_default and e == DEFAULT_CLIENT))


def alter(admin, entity, values):
    """Set-up and clean-up without the module under test: {key: value, or None to remove}."""
    entry = AlterClientQuotasRequest.EntryData
    response = send(admin, AlterClientQuotasRequest(validate_only=False, entries=[entry(
        entity=[entry.EntityData(entity_type=t, entity_name=n) for t, n in entity],
        ops=[entry.OpData(key=k, value=0.0 if v is None else float(v), remove=v is None) for k, v in values.items()])]))
    assert [e.error_code for e in response.entries] == [0], response


def settled(admin, tag, expected=None, with_default=False, timeout=30):
    """The tagged quotas once several reads in a row agree (and equal ``expected`` if given)."""
    deadline, last, agreeing = time.monotonic() + timeout, None, 0
    while agreeing < 3:
        current = quotas_of(admin, tag, with_default)
        agreeing = agreeing + 1 if current == last and (expected is None or current == expected) else 0
        last = current
        assert time.monotonic() < deadline, 'the quotas did not settle: %s' % current
        time.sleep(0.2)
    return last


@pytest.fixture
def tag(admin):
    """A unique tag for the users and client ids of one test; their quotas are removed at the end."""
    value = 'it-q-%s' % uuid.uuid4().hex[:8]
    yield value
    for entity, quotas in quotas_of(admin, value).items():
        alter(admin, entity, dict((k, None) for k in quotas))
    assert quotas_of(admin, value) == {}


@pytest.fixture
def default_client(admin):
    """The default client-id entity's quotas before the test; put back afterwards."""
    saved = all_quotas(admin).get(DEFAULT_CLIENT, {})
    yield saved
    now = all_quotas(admin).get(DEFAULT_CLIENT, {})
    restore = dict((k, None) for k in now if k not in saved)
    restore.update(saved)
    if restore:
        alter(admin, DEFAULT_CLIENT, restore)
    assert all_quotas(admin).get(DEFAULT_CLIENT, {}) == saved


def test_create_every_kind_of_entity_then_rerun_is_unchanged(ansible, admin, tag, default_client):
    app, svc = tag + '-app', tag + '-svc'
    dn = 'CN=%s/x,OU=Kafka Team' % tag     # stored URL-encoded in ZooKeeper, read back as given
    huge = 1024 ** 4       # 1 TiB/s: the default entity is cluster-wide; this throttles nobody
    quotas = [
        {'user': svc, 'producer_byte_rate': 1048576, 'consumer_byte_rate': 2097152},
        {'client_id': app, 'request_percentage': 12.5},
        {'user': svc, 'client_id': app, 'controller_mutation_rate': 2.5, 'producer_byte_rate': 4096},
        {'user': svc, 'default_client_id': True, 'consumer_byte_rate': 8192},
        {'default_client_id': True, 'producer_byte_rate': huge},
        {'user': dn, 'request_percentage': 200},
    ]
    first = ok(ansible('kafka_quotas', {'quotas': quotas}, diff=True))
    assert first['changed'] is True
    assert [(c['action'], c['entity']) for c in first['changes']] == [
        ('create', "user '%s'" % dn),
        ('create', "user '%s'" % svc),
        ('create', "user '%s', default client-id" % svc),
        ('create', "user '%s', client-id '%s'" % (svc, app)),
        ('update' if default_client else 'create', 'default client-id'),
        ('create', "client-id '%s'" % app)]
    assert first['changes'][3]['after'] == {'controller_mutation_rate': 2.5, 'producer_byte_rate': 4096}
    assert first['diff'][1] == {'before_header': "user '%s'" % svc, 'after_header': "user '%s'" % svc, 'before': '',
                                'after': 'consumer_byte_rate: 2097152\nproducer_byte_rate: 1048576\n'}
    assert settled(admin, tag, with_default=True) == {
        user(svc): {'producer_byte_rate': 1048576.0, 'consumer_byte_rate': 2097152.0},
        client(app): {'request_percentage': 12.5},
        user_client(svc, app): {'controller_mutation_rate': 2.5, 'producer_byte_rate': 4096.0},
        user_client(svc, None): {'consumer_byte_rate': 8192.0},
        DEFAULT_CLIENT: {'producer_byte_rate': float(huge)},
        user(dn): {'request_percentage': 200.0},
    }

    again = ok(ansible('kafka_quotas', {'quotas': quotas}, diff=True))
    assert again['changed'] is False and again['changes'] == [] and again['diff'] == []
    in_check = ok(ansible('kafka_quotas', {'quotas': quotas}, check=True))
    assert in_check['changed'] is False


def test_check_mode_predicts_the_run_and_changes_nothing(ansible, admin, tag):
    keep, change, gone = tag + '-keep', tag + '-change', tag + '-gone'
    alter(admin, user(keep), {'producer_byte_rate': 1024})
    alter(admin, user(change), {'producer_byte_rate': 1024, 'request_percentage': 50})
    alter(admin, client(gone), {'consumer_byte_rate': 1024})
    before = settled(admin, tag)
    quotas = [{'user': keep, 'producer_byte_rate': 1024},
              {'user': change, 'producer_byte_rate': 2048},            # a value changed, a key removed
              {'client_id': gone, 'state': 'absent'},
              {'user': change, 'client_id': tag + '-new', 'consumer_byte_rate': 512}]

    predicted = ok(ansible('kafka_quotas', {'quotas': quotas}, check=True, diff=True))
    assert predicted['changed'] is True
    assert predicted['changes'] == [
        {'action': 'update', 'entity': "user '%s'" % change,
         'before': {'producer_byte_rate': 1024, 'request_percentage': 50.0}, 'after': {'producer_byte_rate': 2048}},
        {'action': 'create', 'entity': "user '%s', client-id '%s-new'" % (change, tag),
         'before': {}, 'after': {'consumer_byte_rate': 512}},
        {'action': 'delete', 'entity': "client-id '%s'" % gone, 'reason': 'state is absent',
         'before': {'consumer_byte_rate': 1024}, 'after': {}}]
    assert [(d['before'], d['after']) for d in predicted['diff']] == [
        ('producer_byte_rate: 1024\nrequest_percentage: 50\n', 'producer_byte_rate: 2048\n'),
        ('', 'consumer_byte_rate: 512\n'),
        ('consumer_byte_rate: 1024\n', '')]
    assert settled(admin, tag) == before

    done = ok(ansible('kafka_quotas', {'quotas': quotas}))
    assert done['changes'] == predicted['changes']
    assert settled(admin, tag) == {user(keep): {'producer_byte_rate': 1024.0},
                                   user(change): {'producer_byte_rate': 2048.0},
                                   user_client(change, tag + '-new'): {'consumer_byte_rate': 512.0}}


def test_change_a_value_remove_a_key_delete_an_entity(ansible, admin, tag):
    svc = tag + '-svc'
    step = [{'user': svc, 'producer_byte_rate': 1024, 'consumer_byte_rate': 2048, 'request_percentage': 10}]
    ok(ansible('kafka_quotas', {'quotas': step}))
    assert settled(admin, tag) == {user(svc): {'producer_byte_rate': 1024.0, 'consumer_byte_rate': 2048.0,
                                               'request_percentage': 10.0}}

    step[0]['request_percentage'] = 20.5
    changed = ok(ansible('kafka_quotas', {'quotas': step}))
    assert changed['changes'][0]['after']['request_percentage'] == 20.5
    assert settled(admin, tag)[user(svc)]['request_percentage'] == 20.5

    del step[0]['consumer_byte_rate']
    removed = ok(ansible('kafka_quotas', {'quotas': step}))
    assert [c['action'] for c in removed['changes']] == ['update']
    assert settled(admin, tag) == {user(svc): {'producer_byte_rate': 1024.0, 'request_percentage': 20.5}}

    deleted = ok(ansible('kafka_quotas', {'quotas': [{'user': svc, 'state': 'absent'}]}))
    assert [c['action'] for c in deleted['changes']] == ['delete']
    assert settled(admin, tag) == {}
    gone = ok(ansible('kafka_quotas', {'quotas': [{'user': svc, 'state': 'absent'}]}))
    assert gone['changed'] is False


def test_prune_is_scoped_and_capped(ansible, admin, tag):
    scope = tag + '-p-'
    alter(admin, user(scope + 'keep'), {'producer_byte_rate': 1024})
    alter(admin, user(scope + 'x'), {'producer_byte_rate': 1024})
    alter(admin, user_client(scope + 'y', 'any-client-' + tag), {'consumer_byte_rate': 1024})
    alter(admin, client(scope + 'z'), {'request_percentage': 5})
    alter(admin, user(tag + '-outside'), {'producer_byte_rate': 1024})
    before = settled(admin, tag)
    declared = [{'user': scope + 'keep', 'producer_byte_rate': 1024}]

    capped = ansible('kafka_quotas', {'quotas': declared, 'prune': True, 'prune_prefix': scope,
                                      'prune_max_deletions': 2})
    assert capped.get('failed')
    assert capped['msg'] == ("Invalid input, nothing was changed: prune: would delete the quotas of 3 entities, more "
                             "than prune_max_deletions (2): user '{s}x'; user '{s}y', client-id 'any-client-{t}'; "
                             "client-id '{s}z'".format(s=scope, t=tag))
    assert settled(admin, tag) == before

    predicted = ok(ansible('kafka_quotas', {'quotas': declared, 'prune': True, 'prune_prefix': scope,
                                            'prune_max_deletions': 3}, check=True))
    assert settled(admin, tag) == before
    pruned = ok(ansible('kafka_quotas', {'quotas': declared, 'prune': True, 'prune_prefix': scope,
                                         'prune_max_deletions': 3}))
    assert pruned['changes'] == predicted['changes']
    assert [(c['action'], c['entity'], c['reason']) for c in pruned['changes']] == [
        ('delete', "user '%sx'" % scope, 'pruned: not declared'),
        ('delete', "user '%sy', client-id 'any-client-%s'" % (scope, tag), 'pruned: not declared'),
        ('delete', "client-id '%sz'" % scope, 'pruned: not declared')]
    assert settled(admin, tag) == {user(scope + 'keep'): {'producer_byte_rate': 1024.0},
                                   user(tag + '-outside'): {'producer_byte_rate': 1024.0}}


def test_bad_input_is_refused_and_changes_nothing(ansible, admin, tag):
    alter(admin, user(tag + '-a'), {'producer_byte_rate': 1024})
    before = settled(admin, tag)
    result = ansible('kafka_quotas', {'quotas': [
        {'user': tag + '-a', 'producer_byte_rate': 4096},                 # valid, and not applied
        {'user': tag + '-b', 'default_user': True, 'producer_byte_rate': 1},
        {'client_id': tag + '-c', 'consumer_byte_rate': 0},
        {'user': 'User:' + tag, 'request_percentage': 10},
        {'user': tag + '-a', 'state': 'absent'},
        {'user': tag + '-d'},
    ]})
    assert result.get('failed'), result
    assert result['errors'] == [
        'quotas[1]: user and default_user exclude each other',
        'quotas[2]: consumer_byte_rate must be greater than 0, got 0',
        "quotas[3]: user 'User:%s' is a principal: quotas take the bare user name, '%s' (as the broker "
        "authenticates it)" % (tag, tag),
        "quotas[4]: user '%s-a' is already declared in quotas[0]" % tag,
        'quotas[5]: state present needs at least one quota (producer_byte_rate, consumer_byte_rate, '
        'request_percentage, controller_mutation_rate); to remove every quota of the entity use state: absent']
    assert settled(admin, tag) == before


def test_a_broker_refusal_is_reported_and_changes_nothing(bootstrap, admin, tag):
    # The module's validation refuses a fractional byte rate, so the plan is made by hand: the
    # broker refuses that entity in validation and nothing is applied.
    good, bad = Entity(tag + '-good', None), Entity(tag + '-bad', None)
    plan = {'alterations': [(good, {'producer_byte_rate': 1024.0}), (bad, {'consumer_byte_rate': 1.5})],
            'expected': {good: {'producer_byte_rate': 1024.0}, bad: {'consumer_byte_rate': 1.5}}, 'changes': []}
    client = KafkaAdminClient(bootstrap_servers=bootstrap.split(','), client_id='it-quotas')
    try:
        applier = Applier(QuotaClient(KafkaAdmin(client, retries=3, timeout_ms=30000)), plan, wait_timeout=30)
        assert applier.validate() == ["user '%s-bad': INVALID_REQUEST (Configuration consumer_byte_rate must be a "
                                      "LONG value)" % tag]
    finally:
        client.close()
    assert settled(admin, tag) == {}


def test_a_client_id_quota_throttles_a_producer(ansible, admin, tag, prefix):
    """The broker enforces what the module set: a producer over its client id's byte rate is told to
    wait (kafka-python records the throttle time the broker returns). No timing is asserted."""
    topic, client_id = prefix + 'quota-' + tag, tag + '-producer'
    admin.create_topics([NewTopic(topic, 1, 1)])
    ok(ansible('kafka_quotas', {'quotas': [{'client_id': client_id, 'producer_byte_rate': 1024}]}))
    producer = KafkaProducer(bootstrap_servers=admin.config['bootstrap_servers'], client_id=client_id, linger_ms=0)
    try:
        # One 20 kB record at a time: the broker answers at once with the time to wait and mutes the
        # connection for it, so a second record would only be sent after that wait. Another record
        # is sent only while the answers say "no wait" (the broker applies the quota when ZooKeeper
        # notifies it, a moment after the module's run).
        throttled, deadline = 0.0, time.monotonic() + 60
        while not throttled and time.monotonic() < deadline:
            producer.send(topic, b'x' * 20000).get(timeout=60)
            # kafka-python's connection metrics: the largest throttle_time_ms of the answers
            throttled = max([value for group in producer.metrics().values() for name, value in group.items()
                             if name.endswith('throttle-time-max') and value == value] + [0.0])
    finally:
        producer.close(timeout=5)
    assert throttled > 0, 'no produce request was throttled within 60 s of setting producer_byte_rate: 1024'


def test_removing_a_users_quotas_keeps_its_scram_credentials(ansible, admin, tag):
    """Quotas and SCRAM credentials of a user share its ZooKeeper node: the module removes quota keys only."""
    name = tag + '-scram'
    # Sent to the controller, the only broker that stores credentials in ZooKeeper mode (kafka-python
    # alone sends it to any broker and takes NOT_CONTROLLER for success).
    alter = alter_on_controller(admin)
    assert alter([UserScramCredentialUpsertion(name, 'SCRAM-SHA-512', uuid.uuid4().hex)]) == {name: None}
    try:
        assert scram_credentials(admin, name) == [('SCRAM_SHA_512', 4096)]
        ok(ansible('kafka_quotas', {'quotas': [{'user': name, 'producer_byte_rate': 1024}]}))
        assert settled(admin, tag) == {user(name): {'producer_byte_rate': 1024.0}}
        ok(ansible('kafka_quotas', {'quotas': [{'user': name, 'state': 'absent'}]}))
        assert settled(admin, tag) == {}
        assert scram_credentials(admin, name) == [('SCRAM_SHA_512', 4096)]
    finally:
        alter([UserScramCredentialDeletion(name, 'SCRAM-SHA-512')])


def scram_credentials(admin, name, timeout=30):
    """[(mechanism, iterations)] of ``name``, once every broker answers alike (each broker learns a
    credential from ZooKeeper a moment after the controller stored it)."""
    deadline = time.monotonic() + timeout
    while True:
        described = admin.describe_user_scram_credentials([name])[name]
        found = [(c['mechanism'].name, c['iterations']) for c in described['credential_infos']]
        if found or time.monotonic() > deadline:
            assert described['error'] is None, described['error']
            return found
        time.sleep(0.5)
