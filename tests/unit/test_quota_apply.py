# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The layer between quota plans and the Kafka protocol: requests, answers, applying, one run.

Requests and answers are kafka-python 3.0.12's own protocol classes (encoded and decoded in both
versions the brokers speak). ``FakeManager`` stands for the admin client's connection manager and
answers like a ZooKeeper-mode broker (kafka.server.ZkAdminManager: entries of an answer in any
order, a null name for the default entity, validate_only changes nothing); the real broker is the
integration test's job (tests/integration/test_quotas.py).
"""

import kafka.errors as Errors
import pytest
from kafka.protocol.admin import (AlterClientQuotasRequest, AlterClientQuotasResponse, DescribeClientQuotasRequest,
                                  DescribeClientQuotasResponse)

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_quota_apply
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaModuleError
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_apply import (
    Applier, QuotaClient, alter_request, describe_request, from_wire_entity, read_alter_response,
    read_describe_response, run_quotas, to_wire_entity)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_plan import (
    DEFAULT, Entity, build_plan, declare)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import ApplyError

ALICE = Entity('alice', None)
APP = Entity(None, 'app')
EVERY_KIND = [Entity('alice', None), Entity(None, 'app'), Entity('alice', 'app'), Entity(DEFAULT, None),
              Entity(None, DEFAULT), Entity(DEFAULT, DEFAULT), Entity('alice', DEFAULT), Entity(DEFAULT, 'app')]


def describe_response(quotas, error_code=0, error_message=None, extra=()):
    """A DescribeClientQuotasResponse of {Entity: {key: value}}; ``extra`` adds raw [(type, name)] entities."""
    entry = DescribeClientQuotasResponse.EntryData
    entries = [entry(entity=[entry.EntityData(entity_type=t, entity_name=n) for t, n in reversed(to_wire_entity(e))],
                     values=[entry.ValueData(key=k, value=v) for k, v in q.items()])
               for e, q in quotas.items()]
    entries += [entry(entity=[entry.EntityData(entity_type=t, entity_name=n) for t, n in parts],
                      values=[entry.ValueData(key='connection_creation_rate', value=5.0)]) for parts in extra]
    return DescribeClientQuotasResponse(throttle_time_ms=0, error_code=error_code, error_message=error_message,
                                        entries=None if error_code else entries)


def alter_response(results):
    """An AlterClientQuotasResponse of {Entity: (error code, message)}, in reverse order."""
    entry = AlterClientQuotasResponse.EntryData
    return AlterClientQuotasResponse(throttle_time_ms=0, entries=[
        entry(error_code=code, error_message=message,
              entity=[entry.EntityData(entity_type=t, entity_name=n) for t, n in to_wire_entity(e)])
        for e, (code, message) in reversed(list(results.items()))])


def entity_of(wire_entity):
    return from_wire_entity([(e.entity_type, e.entity_name) for e in wire_entity])


class FakeManager:
    """The connection manager: ``run(send, request, node_id)`` answers from an in-memory store.
    ``refuse`` {Entity: (code, message)} refuses alterations of an entity; ``lag`` answers that
    many describes of a broker with the old state; ``errors`` are raised, one per send, first."""

    def __init__(self, quotas=None, refuse=None, brokers=(1,), lag=0, errors=(), describe_error=None):
        self.quotas = dict((e, dict(q)) for e, q in (quotas or {}).items())
        self.refuse = refuse or {}
        self.broker_ids = list(brokers)
        self.lag = lag
        self.errors = list(errors)
        self.describe_error = describe_error
        self.sent = []        # (request name, validate_only or node id)
        self.stale = None

    @property
    def cluster(self):
        manager = self

        class Broker:
            def __init__(self, node_id):
                self.node_id = node_id

        class Cluster:
            def brokers(self):
                return [Broker(i) for i in manager.broker_ids]
        return Cluster()

    def send(self, request, node_id=None):
        raise AssertionError('only run() calls send')

    def run(self, send, request, node_id=None):
        assert send == self.send
        # what goes on the wire must encode and decode in both versions
        for version in (0, 1):
            decoded = type(request).decode(bytes(request.encode(version=version)), version=version)
            assert decoded.to_dict() == request.to_dict()
        if self.errors:
            raise self.errors.pop(0)
        if isinstance(request, DescribeClientQuotasRequest):
            self.sent.append(('describe', node_id))
            if self.describe_error:
                return describe_response({}, *self.describe_error)
            if self.lag and node_id is not None:
                self.lag -= 1
                return describe_response(self.stale or {})
            return describe_response(self.quotas, extra=[[('ip', '10.0.0.1')], [('ip', None)]])
        assert isinstance(request, AlterClientQuotasRequest) and node_id is None
        self.sent.append(('alter', request.validate_only))
        self.stale = dict((e, dict(q)) for e, q in self.quotas.items())
        results = {}
        for entry in request.entries:
            entity = entity_of(entry.entity)
            if entity in self.refuse:
                results[entity] = self.refuse[entity]
                continue
            results[entity] = (0, None)
            if request.validate_only:
                continue
            quotas = self.quotas.setdefault(entity, {})
            for op in entry.ops:
                if op.remove:
                    quotas.pop(op.key, None)
                else:
                    quotas[op.key] = op.value
            if not quotas:
                del self.quotas[entity]
        return alter_response(results)


class FakeAdmin:
    """A KafkaAdmin: the client's connection manager, retries, close()."""

    def __init__(self, manager, retries=0):
        self.client = type('Client', (), {'_manager': manager})()
        self.retries = retries
        self.closed = False

    def close(self):
        self.closed = True


def plan_for(current, *entries, prune=None):
    declared, errors = declare(list(entries), prune)
    assert errors == []
    return build_plan(declared, current, prune)


def entry(**kwargs):
    return dict({'state': 'present'}, **kwargs)


# ---------------------------------------------------------------- requests and answers

@pytest.mark.parametrize('entity', EVERY_KIND)
def test_every_kind_of_entity_survives_the_wire(entity):
    assert from_wire_entity(to_wire_entity(entity)) == entity


def test_the_default_entity_is_a_null_name():
    assert to_wire_entity(Entity(DEFAULT, 'app')) == [('user', None), ('client-id', 'app')]
    assert to_wire_entity(Entity(None, DEFAULT)) == [('client-id', None)]


def test_entities_this_module_does_not_manage_are_none():
    assert from_wire_entity([('ip', '10.0.0.1')]) is None
    assert from_wire_entity([('user', 'a'), ('ip', None)]) is None
    assert from_wire_entity([('user', 'a'), ('user', 'b')]) is None
    assert from_wire_entity([]) is None


def test_describe_asks_for_everything():
    request = describe_request()
    assert request.to_dict() == {'components': [], 'strict': False}


def test_the_describe_answer_is_read_into_entities_and_drops_ip_entities():
    response = describe_response({ALICE: {'producer_byte_rate': 1024.0},
                                  Entity(DEFAULT, 'app'): {'request_percentage': 12.5}},
                                 extra=[[('ip', '10.0.0.1')]])
    assert read_describe_response(response) == {ALICE: {'producer_byte_rate': 1024.0},
                                                Entity(DEFAULT, 'app'): {'request_percentage': 12.5}}


def test_a_describe_error_is_raised_with_the_brokers_message():
    with pytest.raises(Errors.ClusterAuthorizationFailedError) as e:
        read_describe_response(describe_response({}, 31, 'Cluster authorization failed.'))
    assert 'Cluster authorization failed.' in str(e.value)


def test_the_alter_request_sets_and_removes():
    request = alter_request([(Entity('alice', DEFAULT), {'request_percentage': None, 'producer_byte_rate': 1024.0})],
                            validate_only=True)
    assert request.to_dict() == {'validate_only': True, 'entries': [{
        'entity': [{'entity_type': 'user', 'entity_name': 'alice'}, {'entity_type': 'client-id', 'entity_name': None}],
        'ops': [{'key': 'producer_byte_rate', 'value': 1024.0, 'remove': False},
                {'key': 'request_percentage', 'value': 0.0, 'remove': True}]}]}


def test_the_alter_answer_is_matched_by_entity_not_by_position():
    alterations = [(ALICE, {'producer_byte_rate': 1.0}), (APP, {'consumer_byte_rate': 1.5}),
                   (Entity(DEFAULT, None), {'request_percentage': 1.0})]
    response = alter_response({ALICE: (0, None), APP: (42, 'Configuration consumer_byte_rate must be a LONG value')})
    assert read_alter_response(alterations, response) == {
        APP: 'INVALID_REQUEST (Configuration consumer_byte_rate must be a LONG value)',
        Entity(DEFAULT, None): 'the broker gave no answer for it'}


# ---------------------------------------------------------------- the client

def test_the_client_retries_retriable_errors_and_reads_every_broker():
    manager = FakeManager({ALICE: {'producer_byte_rate': 1.0}}, brokers=(3, 1, 2),
                          errors=[Errors.KafkaConnectionError('lost'), Errors.RequestTimedOutError('slow')])
    client = QuotaClient(FakeAdmin(manager, retries=2))
    assert client.describe() == {ALICE: {'producer_byte_rate': 1.0}}
    assert client.brokers() == [1, 2, 3]
    assert client.describe(2) == {ALICE: {'producer_byte_rate': 1.0}}
    assert manager.sent == [('describe', None), ('describe', 2)]


def test_the_client_does_not_retry_other_errors():
    manager = FakeManager(errors=[Errors.ClusterAuthorizationFailedError('no')])
    with pytest.raises(Errors.ClusterAuthorizationFailedError):
        QuotaClient(FakeAdmin(manager, retries=5)).describe()


# ---------------------------------------------------------------- applying

def test_applies_in_one_request_and_verifies_on_every_broker():
    manager = FakeManager({ALICE: {'producer_byte_rate': 1.0, 'request_percentage': 5.0}}, brokers=(1, 2))
    plan = plan_for(manager.quotas, entry(user='alice', producer_byte_rate=2),
                    entry(client_id='app', consumer_byte_rate=3))
    applier = Applier(QuotaClient(FakeAdmin(manager)), plan, wait_timeout=5)
    assert applier.validate() == []
    applier.run()
    assert manager.quotas == {ALICE: {'producer_byte_rate': 2.0}, APP: {'consumer_byte_rate': 3.0}}
    assert manager.sent == [('alter', True), ('alter', False), ('describe', 1), ('describe', 2)]
    assert applier.applied == plan['changes']


def test_verification_waits_for_a_broker_that_lags():
    manager = FakeManager(brokers=(1, 2), lag=2)
    plan = plan_for({}, entry(user='alice', producer_byte_rate=2))
    Applier(QuotaClient(FakeAdmin(manager)), plan, wait_timeout=5).run()
    assert manager.sent.count(('describe', 1)) == 2 and manager.sent.count(('describe', 2)) == 2


def test_a_broker_that_never_shows_the_change_fails_the_run():
    manager = FakeManager(brokers=(1, 2), lag=10 ** 6)
    plan = plan_for({}, entry(user='alice', producer_byte_rate=2))
    with pytest.raises(ApplyError) as e:
        Applier(QuotaClient(FakeAdmin(manager)), plan, wait_timeout=0).run()
    assert str(e.value) == ("timed out after 0s waiting for the brokers to show the changed client quotas: "
                            "user 'alice' (broker 1), user 'alice' (broker 2)")


def test_validation_returns_the_refusals_and_changes_nothing():
    manager = FakeManager(refuse={APP: (42, 'Invalid configuration key x')})
    plan = plan_for({}, entry(user='alice', producer_byte_rate=2), entry(client_id='app', consumer_byte_rate=3))
    assert Applier(QuotaClient(FakeAdmin(manager)), plan, 0).validate() == [
        "client-id 'app': INVALID_REQUEST (Invalid configuration key x)"]
    assert manager.quotas == {}


def test_a_refusal_while_applying_names_the_entity_and_what_was_applied():
    manager = FakeManager(refuse={APP: (31, None)})
    plan = plan_for({}, entry(user='alice', producer_byte_rate=2), entry(client_id='app', consumer_byte_rate=3))
    applier = Applier(QuotaClient(FakeAdmin(manager)), plan, 0)
    with pytest.raises(ApplyError) as e:
        applier.run()
    assert str(e.value) == ("alteration of the quotas of client-id 'app' failed: CLUSTER_AUTHORIZATION_FAILED (%s)"
                            % Errors.ClusterAuthorizationFailedError.description)
    assert [c['entity'] for c in applier.applied] == ["user 'alice'"]
    assert manager.quotas == {ALICE: {'producer_byte_rate': 2.0}}


# ---------------------------------------------------------------- one run

PARAMS = {'wait_timeout': 5}


@pytest.fixture
def cluster(monkeypatch):
    """Make run_quotas connect to a FakeAdmin over the FakeManager it returns."""
    def use(manager):
        admin = FakeAdmin(manager)
        monkeypatch.setattr(kafka_quota_apply, 'connect', lambda params: admin)
        manager.admin = admin
        return manager
    return use


def declared(*entries, prune=None):
    result, errors = declare(list(entries), prune)
    assert errors == []
    return result


def test_check_mode_validates_returns_the_plan_and_changes_nothing(cluster):
    manager = cluster(FakeManager({ALICE: {'producer_byte_rate': 1.0}, APP: {'consumer_byte_rate': 1.0}}))
    result, warnings = run_quotas(PARAMS, declared(entry(user='alice', producer_byte_rate=2),
                                                   entry(client_id='app', state='absent')),
                                  None, check_mode=True, with_diff=True)
    assert manager.sent == [('describe', None), ('alter', True)] and manager.admin.closed
    assert manager.quotas == {ALICE: {'producer_byte_rate': 1.0}, APP: {'consumer_byte_rate': 1.0}}
    assert result['changed'] is True and warnings == []
    assert [(c['action'], c['entity']) for c in result['changes']] == [('update', "user 'alice'"),
                                                                      ('delete', "client-id 'app'")]
    assert [(d['before'], d['after']) for d in result['diff']] == [
        ('producer_byte_rate: 1\n', 'producer_byte_rate: 2\n'), ('consumer_byte_rate: 1\n', '')]


def test_a_real_run_then_a_second_one_changes_nothing(cluster):
    manager = cluster(FakeManager())
    wanted = declared(entry(user='alice', producer_byte_rate=2, request_percentage=12.5),
                      entry(default_user=True, default_client_id=True, consumer_byte_rate=1048576))
    first, _ = run_quotas(PARAMS, wanted, None)
    sent = len(manager.sent)
    second, _ = run_quotas(PARAMS, wanted, None, with_diff=True)
    assert first['changed'] is True and len(first['changes']) == 2
    assert manager.quotas == {ALICE: {'producer_byte_rate': 2.0, 'request_percentage': 12.5},
                              Entity(DEFAULT, DEFAULT): {'consumer_byte_rate': 1048576.0}}
    assert second == {'changed': False, 'changes': [], 'diff': []}
    assert manager.sent[sent:] == [('describe', None)], 'a no-op run only reads'


def test_a_refusal_in_validation_changes_nothing(cluster):
    manager = cluster(FakeManager(refuse={APP: (42, 'nope')}))
    with pytest.raises(KafkaModuleError) as e:
        run_quotas(PARAMS, declared(entry(user='alice', producer_byte_rate=2),
                                    entry(client_id='app', consumer_byte_rate=3)), None)
    assert e.value.msg == ("The broker refused quota changes, nothing was changed: "
                           "client-id 'app': INVALID_REQUEST (nope)")
    assert e.value.result['errors'] == ["client-id 'app': INVALID_REQUEST (nope)"]
    assert manager.sent == [('describe', None), ('alter', True)] and manager.quotas == {}


def test_a_read_error_is_reported_not_swallowed(cluster):
    manager = cluster(FakeManager(describe_error=(31, 'Cluster authorization failed.')))
    with pytest.raises(KafkaModuleError) as e:
        run_quotas(PARAMS, declared(entry(user='alice', producer_byte_rate=2)), None)
    assert e.value.msg.startswith('Cannot read the client quotas, nothing was changed: ')
    assert 'Cluster authorization failed.' in e.value.msg
    assert manager.admin.closed


def test_a_prune_above_the_maximum_changes_nothing(cluster):
    manager = cluster(FakeManager({Entity('t-a', None): {'producer_byte_rate': 1.0},
                                   Entity('t-b', 'x'): {'producer_byte_rate': 1.0}}))
    prune = {'prefix': 't-', 'regex': None, 'max_deletions': 1}
    with pytest.raises(KafkaModuleError) as e:
        run_quotas(PARAMS, {}, prune)
    assert e.value.msg == ("Invalid input, nothing was changed: prune: would delete the quotas of 2 entities, more "
                           "than prune_max_deletions (1): user 't-a'; user 't-b', client-id 'x'")
    assert manager.sent == [('describe', None)] and len(manager.quotas) == 2


def test_a_failure_after_changes_began_says_what_was_applied(cluster):
    manager = cluster(FakeManager())
    wanted = declared(entry(user='alice', producer_byte_rate=2), entry(client_id='app', consumer_byte_rate=3))

    def refuse_for_real(send, request, node_id=None, run=manager.run):
        if isinstance(request, AlterClientQuotasRequest) and not request.validate_only:
            manager.refuse = {APP: (31, None)}
        return run(send, request, node_id)
    manager.run = refuse_for_real
    with pytest.raises(KafkaModuleError) as e:
        run_quotas(PARAMS, wanted, None)
    assert e.value.msg.startswith("Failed after applying 1 quota changes (see applied): alteration of the quotas of "
                                  "client-id 'app' failed: CLUSTER_AUTHORIZATION_FAILED")
    assert e.value.result['changed'] is True
    assert [c['entity'] for c in e.value.result['applied']] == ["user 'alice'"]
    assert len(e.value.result['changes']) == 2
