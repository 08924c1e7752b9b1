"""The thin I/O layer, against a fake admin client that answers like kafka-python 3.0."""

from types import SimpleNamespace

import pytest
from kafka import TopicPartition

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_topic_engine as engine
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import PlanError


class FakeAdmin:
    """Stands in for kafka_connection.KafkaAdmin: records calls, answers from handlers."""
    retries = 2
    timeout_ms = 1000

    def __init__(self, **handlers):
        self.handlers = handlers
        self.calls = []

    def call(self, method, *args, **kwargs):
        self.calls.append(method)
        return self.handlers[method](*args, **kwargs)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(engine.time, 'sleep', lambda s: None)


def rows(*items):
    return {'topics': [{'name': n, 'error_code': c, 'error_message': m} for n, c, m in items]}


def entry(value, source, ctype='LONG'):
    return {'value': value, 'config_source': source, 'config_type': ctype, 'read_only': False}


def test_read_cluster_keeps_only_the_topics_own_overrides():
    admin = FakeAdmin(
        describe_topics=lambda: [
            {'name': 't', 'error_code': 0, 'is_internal': False, 'partitions': [
                {'partition_index': 0, 'leader_id': 1, 'replica_nodes': [1, 2], 'isr_nodes': [1]}]},
            {'name': '__consumer_offsets', 'error_code': 0, 'is_internal': True, 'partitions': []},
            {'name': 'gone', 'error_code': 3, 'is_internal': False, 'partitions': []}],
        describe_cluster=lambda: {'brokers': [{'broker_id': 3}, {'broker_id': 1}, {'broker_id': 2}]},
        list_partition_reassignments=lambda: {TopicPartition('t', 0): {
            'replicas': [1, 2, 3], 'adding_replicas': [3], 'removing_replicas': [2]}},
        describe_configs=lambda resources, config_filter: {'topic': {'t': {
            'retention.ms': entry('1000', 'DYNAMIC_TOPIC_CONFIG'),
            'min.insync.replicas': entry('2', 'STATIC_BROKER_CONFIG', 'INT'),
            'cleanup.policy': entry('delete', 'DEFAULT_CONFIG', 'LIST'),
            'segment.ms': entry('5', 'DYNAMIC_BROKER_CONFIG')}}})
    assert engine.read_cluster(admin, ['t', 'missing']) == {
        'brokers': [1, 2, 3],
        'topics': {
            't': {'internal': False, 'partitions': {0: {'leader': 1, 'replicas': [1, 2], 'isr': [1]}}},
            '__consumer_offsets': {'internal': True, 'partitions': {}}},
        'reassigning': {'t': {0: {'adding': [3], 'removing': [2]}}},
        'overrides': {'t': {'retention.ms': '1000'}},
        'config_types': {'retention.ms': 'LONG', 'min.insync.replicas': 'INT', 'cleanup.policy': 'LIST',
                         'segment.ms': 'LONG'},
        'broker_defaults': {'min.insync.replicas': '2', 'cleanup.policy': 'delete', 'segment.ms': '5'},
    }


def test_read_cluster_describes_one_topic_for_types_when_none_is_managed():
    described = []

    def describe_configs(resources, config_filter):
        described.extend(r.name for r in resources)
        return {'topic': {}}
    admin = FakeAdmin(
        describe_topics=lambda: [{'name': n, 'error_code': 0, 'partitions': []} for n in ('b', 'a')],
        describe_cluster=lambda: {'brokers': []},
        list_partition_reassignments=lambda: {},
        describe_configs=describe_configs)
    state = engine.read_cluster(admin, ['new'])
    assert described == ['a']
    assert state['overrides'] == {}


def test_per_topic_retries_retriable_errors_and_accepts_timeouts():
    answers = [
        [('a', 89, 'throttled'), ('b', 7, 'timed out'), ('c', 36, 'exists'), ('d', 0, None)],
        [('a', 0, None)],
    ]
    sent = []

    def send(items):
        sent.append(sorted(items))
        return answers.pop(0)
    failures = engine._per_topic(FakeAdmin(), send, dict.fromkeys('abcd'))
    assert sent == [['a', 'b', 'c', 'd'], ['a']]
    assert list(failures) == ['c']
    assert failures['c'][0].__name__ == 'TopicAlreadyExistsError'
    assert failures['c'][1] == 'exists'


def test_per_topic_gives_up_after_the_retries():
    failures = engine._per_topic(FakeAdmin(), lambda items: [('a', 89, None)], {'a': None})
    assert failures['a'][0].__name__ == 'ThrottlingQuotaExceededError'
    assert failures['a'][1] == 'The throttling quota has been exceeded.'


PLAN = {
    'changes': [], 'warnings': [],
    'deletes': ['old'],
    'creates': {'new': {'num_partitions': 1, 'replication_factor': 1, 'configs': {}},
                'racy': {'num_partitions': 1, 'replication_factor': 1, 'configs': {}}},
    'config_ops': {'cfg': {'retention.ms': '5', 'segment.ms': None}},
    'partition_increases': {'grow': {'count': 2}},
    'reassignments': {'rf': {0: [1, 2]}},
}


def test_validate_on_server_collects_every_rejection():
    admin = FakeAdmin(
        create_topics=lambda items, **kw: rows(('new', 40, 'Invalid cleanup.policy'), ('racy', 36, 'exists')),
        alter_configs=lambda resources, **kw: {'topic': {'cfg': 'InvalidConfigurationError: bad'}},
        create_partitions=lambda items, **kw: SimpleNamespace(results=[
            SimpleNamespace(name='grow', error_code=37, error_message='too few')]))
    with pytest.raises(PlanError) as e:
        engine.validate_on_server(admin, PLAN)
    assert e.value.errors == [
        "topic 'new': the broker rejects the creation: Invalid cleanup.policy",
        "topic 'cfg': the broker rejects the config change: InvalidConfigurationError: bad",
        "topic 'grow': the broker rejects the partition increase: too few"]


def test_validate_on_server_reports_topics_that_appeared():
    admin = FakeAdmin(
        create_topics=lambda items, validate_only, **kw: rows(('new', 0, None), ('racy', 36, 'exists')),
        alter_configs=lambda resources, validate_only, **kw: {'topic': {'cfg': 'OK'}},
        create_partitions=lambda items, validate_only, **kw: SimpleNamespace(results=[]))
    assert engine.validate_on_server(admin, PLAN) == ['racy']


def happy_admin(**overrides):
    handlers = dict(
        delete_topics=lambda names, **kw: rows(*[(n, 0, None) for n in names]),
        list_topics=lambda: ['keep'],
        create_topics=lambda items, **kw: rows(*[(n, 0, None) for n in items]),
        wait_for_topics=lambda names, **kw: None,
        alter_configs=lambda resources, **kw: {'topic': dict((r.name, 'OK') for r in resources)},
        create_partitions=lambda items, **kw: SimpleNamespace(results=[
            SimpleNamespace(name=n, error_code=0, error_message=None) for n in items]),
        describe_topics=lambda names: [{'name': 'grow', 'partitions': [{'leader_id': 1}, {'leader_id': 2}]}],
        alter_partition_reassignments=lambda moves, **kw: dict((tp, None) for tp in moves),
        list_partition_reassignments=lambda wanted: {},
    )
    handlers.update(overrides)
    return FakeAdmin(**handlers)


def test_apply_runs_the_phases_in_order():
    admin = happy_admin()
    applier = engine.Applier(admin, PLAN, replan=None, wait_timeout=5)
    applier.run()
    assert admin.calls == ['delete_topics', 'list_topics', 'create_topics', 'wait_for_topics', 'alter_configs',
                           'create_partitions', 'describe_topics', 'alter_partition_reassignments',
                           'list_partition_reassignments']
    assert applier.applied == [
        {'topic': 'old', 'action': 'delete'}, {'topic': 'new', 'action': 'create'},
        {'topic': 'racy', 'action': 'create'}, {'topic': 'cfg', 'action': 'configs'},
        {'topic': 'grow', 'action': 'partitions'}, {'topic': 'rf', 'action': 'replication_factor'}]


def test_apply_sends_incremental_set_and_delete():
    sent = []
    admin = happy_admin(alter_configs=lambda resources, **kw: sent.append((resources, kw)) or {'topic': {}})
    engine.Applier(admin, dict(PLAN, deletes=[], creates={}), None, 5).configs()
    resources, kwargs = sent[0]
    assert [(r.name, {k: (int(op), v) for k, (op, v) in r.configs.items()}) for r in resources] == [
        ('cfg', {'retention.ms': (0, '5'), 'segment.ms': (1, None)})]
    assert kwargs == {'validate_only': False, 'raise_on_unknown': False, 'incremental': True}


def test_apply_stops_at_the_first_failure_and_says_what_was_applied():
    admin = happy_admin(alter_configs=lambda resources, **kw: {'topic': {'cfg': 'PolicyViolationError: no'}})
    applier = engine.Applier(admin, PLAN, None, 5)
    with pytest.raises(engine.ApplyError) as e:
        applier.run()
    assert str(e.value) == "topic 'cfg': config change failed: PolicyViolationError: no"
    assert [a['action'] for a in applier.applied] == ['delete', 'create', 'create']
    assert 'create_partitions' not in admin.calls


def test_apply_reconciles_a_topic_created_meanwhile():
    replanned = []
    admin = happy_admin(create_topics=lambda items, **kw: rows(('new', 0, None), ('racy', 36, 'exists')))
    applier = engine.Applier(admin, dict(PLAN, deletes=[]), lambda plan, names: replanned.append(names), 5)
    applier.creates()
    assert replanned == [['racy']]
    assert applier.applied == [{'topic': 'new', 'action': 'create'}]


def test_deletion_waits_until_the_topics_are_gone():
    listings = [['old', 'keep'], ['old', 'keep'], ['keep']]
    admin = happy_admin(list_topics=lambda: listings.pop(0))
    engine.Applier(admin, dict(PLAN, deletes=['old']), None, 5).deletes()
    assert listings == []


def test_waiting_times_out_with_the_pending_names():
    admin = happy_admin(list_partition_reassignments=lambda wanted: {TopicPartition('rf', 0): {}})
    applier = engine.Applier(admin, PLAN, None, 0)
    with pytest.raises(engine.ApplyError) as e:
        applier.replication_factors()
    assert str(e.value) == 'timed out after 0s waiting for partition reassignments to finish: rf'
    assert applier.applied == [{'topic': 'rf', 'action': 'replication_factor'}]
