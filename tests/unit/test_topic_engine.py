# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Reading the cluster, applying a plan and one whole run, against a fake admin client that
answers like kafka-python 3.0 (behind the real KafkaAdmin, so its retries run too)."""

from types import SimpleNamespace

import kafka.errors as Errors
import pytest
from kafka import TopicPartition

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_connection, kafka_topic_apply as apply
from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_topic_engine as engine
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_cluster_state import read_cluster
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaAdmin, KafkaModuleError
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import PlanError


class FakeClient:
    """Stands in for KafkaAdminClient: records calls, answers from handlers."""

    def __init__(self, **handlers):
        self.handlers = handlers
        self.calls = []

    def __getattr__(self, method):
        def call(*args, **kwargs):
            self.calls.append(method)
            return self.handlers[method](*args, **kwargs)
        return call

    def close(self):
        pass


def fake_admin(**handlers):
    return KafkaAdmin(FakeClient(**handlers), retries=2, timeout_ms=1000)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    for module in (apply, engine, kafka_connection):
        monkeypatch.setattr(module.time, 'sleep', lambda s: None)


def rows(*items):
    return {'topics': [{'name': n, 'error_code': c, 'error_message': m} for n, c, m in items]}


def entry(value, source, ctype='LONG'):
    return {'value': value, 'config_source': source, 'config_type': ctype, 'read_only': False}


def metadata(*topics):
    """describe_topics answer: topics as (name, [replicas of each partition])."""
    return [{'name': n, 'error_code': 0, 'is_internal': False, 'partitions': [
        {'partition_index': i, 'leader_id': r[0], 'replica_nodes': r, 'isr_nodes': r} for i, r in enumerate(parts)]}
        for n, parts in topics]


# ---------------------------------------------------------------- reading the cluster

def test_read_cluster_keeps_only_the_topics_own_overrides_and_reads_broker_defaults():
    described = []

    def describe_configs(resources, config_filter):
        described.extend((r.resource_type.name, r.name, r.configs) for r in resources)
        return {'topic': {'t': {
            'retention.ms': entry('1000', 'DYNAMIC_TOPIC_CONFIG'),
            'min.insync.replicas': entry('2', 'STATIC_BROKER_CONFIG', 'INT'),
            'cleanup.policy': entry('delete', 'DEFAULT_CONFIG', 'LIST'),
            'segment.ms': entry('5', 'DYNAMIC_BROKER_CONFIG')}},
            'broker': {'1': {'default.replication.factor': entry('3', 'STATIC_BROKER_CONFIG', 'INT'),
                             'min.insync.replicas': entry('2', 'STATIC_BROKER_CONFIG', 'INT'),
                             'num.partitions': entry('1', 'DEFAULT_CONFIG', 'INT')}}}
    admin = fake_admin(
        describe_topics=lambda: [
            {'name': 't', 'error_code': 0, 'is_internal': False, 'partitions': [
                {'partition_index': 0, 'leader_id': 1, 'replica_nodes': [1, 2], 'isr_nodes': [1]}]},
            {'name': '__consumer_offsets', 'error_code': 0, 'is_internal': True, 'partitions': []},
            {'name': 'gone', 'error_code': 3, 'is_internal': False, 'partitions': []}],
        describe_cluster=lambda: {'brokers': [{'broker_id': 3}, {'broker_id': 1}, {'broker_id': 2}],
                                  'controller_id': 2},
        list_partition_reassignments=lambda: {TopicPartition('t', 0): {
            'replicas': [1, 2, 3], 'adding_replicas': [3], 'removing_replicas': [2]}},
        describe_configs=describe_configs)
    assert read_cluster(admin, ['t', 'missing']) == {
        'brokers': [1, 2, 3],
        'controller': 2,
        'topics': {
            't': {'internal': False, 'partitions': {0: {'leader': 1, 'replicas': [1, 2], 'isr': [1]}}},
            '__consumer_offsets': {'internal': True, 'partitions': {}}},
        'reassigning': {'t': {0: {'adding': [3], 'removing': [2]}}},
        'overrides': {'t': {'retention.ms': '1000'}},
        'config_types': {'retention.ms': 'LONG', 'min.insync.replicas': 'INT', 'cleanup.policy': 'LIST',
                         'segment.ms': 'LONG'},
        'broker_defaults': {'default.replication.factor': '3', 'min.insync.replicas': '2', 'num.partitions': '1',
                            'cleanup.policy': 'delete', 'segment.ms': '5'},
    }
    # one DescribeConfigs call: the topic, and the defaults of one live broker
    assert admin.client.calls.count('describe_configs') == 1
    assert described == [('TOPIC', 't', None),
                         ('BROKER', '1', ['default.replication.factor', 'min.insync.replicas', 'num.partitions'])]


def test_read_cluster_describes_one_topic_for_types_when_none_is_managed():
    described = []

    def describe_configs(resources, config_filter):
        described.extend(r.name for r in resources)
        return {}
    admin = fake_admin(
        describe_topics=lambda: [{'name': n, 'error_code': 0, 'partitions': []} for n in ('b', 'a')],
        describe_cluster=lambda: {'brokers': []},
        list_partition_reassignments=lambda: {},
        describe_configs=describe_configs)
    state = read_cluster(admin, ['new'])
    assert described == ['a']
    assert state['overrides'] == {} and state['controller'] == -1


# ---------------------------------------------------------------- requests

def test_per_topic_retries_retriable_errors_and_accepts_timeouts():
    answers = [
        [('a', 89, 'throttled'), ('b', 7, 'timed out'), ('c', 36, 'exists'), ('d', 0, None)],
        [('a', 0, None)],
    ]
    sent = []

    def send(items):
        sent.append(sorted(items))
        return answers.pop(0)
    failures = apply._per_topic(fake_admin(), send, dict.fromkeys('abcd'))
    assert sent == [['a', 'b', 'c', 'd'], ['a']]
    assert list(failures) == ['c']
    assert failures['c'][0].__name__ == 'TopicAlreadyExistsError'
    assert failures['c'][1] == 'exists'


def test_per_topic_gives_up_after_the_retries():
    failures = apply._per_topic(fake_admin(), lambda items: [('a', 89, None)], {'a': None})
    assert failures['a'][0].__name__ == 'ThrottlingQuotaExceededError'
    assert failures['a'][1] == 'The throttling quota has been exceeded.'


def test_create_chunks_split_by_partitions():
    creates = dict(('t%d' % i, {'num_partitions': 700, 'replication_factor': 3, 'configs': {}}) for i in range(5))
    creates['big'] = {'num_partitions': 5000, 'replication_factor': 3, 'configs': {}}
    creates['default'] = {'num_partitions': -1, 'replication_factor': -1, 'configs': {}}
    chunks = apply.create_chunks(creates)
    assert [list(c) for c in chunks] == [['t0', 't1'], ['t2', 't3'], ['t4'], ['big'], ['default']]
    assert apply.create_chunks({}) == []


def test_many_small_topics_fit_in_one_request():
    creates = dict(('t%d' % i, {'num_partitions': 1, 'replication_factor': 3, 'configs': {}}) for i in range(1000))
    assert len(apply.create_chunks(creates)) == 1


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
    admin = fake_admin(
        create_topics=lambda items, **kw: rows(('new', 40, 'Invalid cleanup.policy'), ('racy', 36, 'exists')),
        alter_configs=lambda resources, **kw: {'topic': {'cfg': 'InvalidConfigurationError: bad'}},
        create_partitions=lambda items, **kw: SimpleNamespace(results=[
            SimpleNamespace(name='grow', error_code=37, error_message='too few')]))
    with pytest.raises(PlanError) as e:
        apply.validate_on_server(admin, PLAN)
    assert e.value.errors == [
        "topic 'new': the broker rejects the creation: Invalid cleanup.policy",
        "topic 'cfg': the broker rejects the config change: InvalidConfigurationError: bad",
        "topic 'grow': the broker rejects the partition increase: too few"]


def test_validate_on_server_reports_names_that_are_taken():
    admin = fake_admin(
        create_topics=lambda items, validate_only, **kw: rows(('new', 0, None), ('racy', 36, 'exists')),
        alter_configs=lambda resources, validate_only, **kw: {'topic': {'cfg': 'OK'}},
        create_partitions=lambda items, validate_only, **kw: SimpleNamespace(results=[]))
    assert apply.validate_on_server(admin, PLAN) == ['racy']


# ---------------------------------------------------------------- applying

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
    return fake_admin(**handlers)


def test_apply_runs_the_phases_in_order():
    admin = happy_admin()
    applier = apply.Applier(admin, PLAN, wait_timeout=5)
    applier.run()
    assert admin.client.calls == [
        'delete_topics', 'list_topics', 'create_topics',   # the create is the "is the name free?" probe
        'create_topics', 'wait_for_topics', 'alter_configs',
        'create_partitions', 'describe_topics', 'alter_partition_reassignments', 'list_partition_reassignments']
    assert applier.applied == [
        {'topic': 'old', 'action': 'delete'}, {'topic': 'new', 'action': 'create'},
        {'topic': 'racy', 'action': 'create'}, {'topic': 'cfg', 'action': 'configs'},
        {'topic': 'grow', 'action': 'partitions'}, {'topic': 'rf', 'action': 'replication_factor'}]


def test_apply_sends_incremental_set_and_delete():
    sent = []
    admin = happy_admin(alter_configs=lambda resources, **kw: sent.append((resources, kw)) or {'topic': {}})
    apply.Applier(admin, dict(PLAN, deletes=[], creates={}), 5).configs()
    resources, kwargs = sent[0]
    assert [(r.name, {k: (int(op), v) for k, (op, v) in r.configs.items()}) for r in resources] == [
        ('cfg', {'retention.ms': (0, '5'), 'segment.ms': (1, None)})]
    assert kwargs == {'validate_only': False, 'raise_on_unknown': False, 'incremental': True}


def test_apply_stops_at_the_first_failure_and_says_what_was_applied():
    admin = happy_admin(alter_configs=lambda resources, **kw: {'topic': {'cfg': 'PolicyViolationError: no'}})
    applier = apply.Applier(admin, PLAN, 5)
    with pytest.raises(apply.ApplyError) as e:
        applier.run()
    assert str(e.value) == "topic 'cfg': config change failed: PolicyViolationError: no"
    assert [a['action'] for a in applier.applied] == ['delete', 'create', 'create']
    assert 'create_partitions' not in admin.client.calls


def test_deletion_waits_until_the_metadata_forgets_the_topics():
    listings = [['old', 'keep'], ['old', 'keep'], ['keep']]
    admin = happy_admin(list_topics=lambda: listings.pop(0))
    apply.Applier(admin, dict(PLAN, deletes=['old']), 5).deletes()
    assert listings == []


def test_deletion_waits_until_the_name_is_free():
    # defect 1: in ZooKeeper mode the metadata forgets a topic when its deletion starts, but the
    # name stays taken until the deletion ends; a create right then gets TOPIC_ALREADY_EXISTS
    taken = [True, True, False]
    probes = []

    def create_topics(items, validate_only, **kw):
        probes.append((sorted(items), validate_only))
        return rows(('old', 36 if taken.pop(0) else 0, "Topic 'old' is marked for deletion."))
    admin = happy_admin(list_topics=lambda: ['keep'], create_topics=create_topics)
    applier = apply.Applier(admin, dict(PLAN, deletes=['old']), 5)
    applier.deletes()
    assert taken == []
    assert probes == [(['old'], True)] * 3     # validate_only: the probe never creates anything
    assert applier.applied == [{'topic': 'old', 'action': 'delete'}]


def test_deletion_wait_times_out_while_the_name_is_taken():
    admin = happy_admin(list_topics=lambda: [], create_topics=lambda items, **kw: rows(('old', 36, 'marked')))
    with pytest.raises(apply.ApplyError) as e:
        apply.Applier(admin, dict(PLAN, deletes=['old']), 0).deletes()
    assert str(e.value) == 'timed out after 0s waiting for the deletion of topics: old'


def lost_answer_then(answer):
    """create_topics whose first answer is lost (the broker did create the topics), then ``answer``."""
    attempts = []

    def create_topics(items, **kw):
        attempts.append(sorted(items))
        if len(attempts) == 1:
            raise Errors.KafkaConnectionError('connection lost before the answer')
        return answer(items)
    return create_topics, attempts


def test_a_create_whose_answer_was_lost_is_reported_as_created():
    # defect 8: the retry gets TOPIC_ALREADY_EXISTS for the topic our first attempt created
    create_topics, attempts = lost_answer_then(lambda items: rows(*[(n, 36, 'exists') for n in items]))
    admin = happy_admin(create_topics=create_topics)
    applier = apply.Applier(admin, dict(PLAN, deletes=[]), 5)
    applier.creates()
    assert attempts == [['new', 'racy'], ['new', 'racy']]
    assert applier.applied == [{'topic': 'new', 'action': 'create'}, {'topic': 'racy', 'action': 'create'}]


def test_a_topic_someone_else_created_meanwhile_is_not_reported_as_created():
    # defects 1 and 8: TOPIC_ALREADY_EXISTS on an answered request is not our create
    admin = happy_admin(create_topics=lambda items, **kw: rows(('new', 0, None), ('racy', 36, 'exists')))
    applier = apply.Applier(admin, dict(PLAN, deletes=[]), 5)
    with pytest.raises(apply.ApplyError) as e:
        applier.creates()
    assert str(e.value) == ("topic 'racy': create failed: someone else created it after the plan was made; "
                            "this run did not create or change it, run again to reconcile it")
    assert applier.applied == [{'topic': 'new', 'action': 'create'}]


def test_waiting_times_out_with_the_pending_names():
    admin = happy_admin(list_partition_reassignments=lambda wanted: {TopicPartition('rf', 0): {}})
    applier = apply.Applier(admin, PLAN, 0)
    with pytest.raises(apply.ApplyError) as e:
        applier.replication_factors()
    assert str(e.value) == 'timed out after 0s waiting for partition reassignments to finish: rf'
    assert applier.applied == [{'topic': 'rf', 'action': 'replication_factor'}]


# ---------------------------------------------------------------- whole runs

TOPIC = {'name': 't', 'partitions': 1, 'replication_factor': 1, 'configs': None, 'state': 'present'}
PARAMS = {'allow_replication_factor_change': False, 'wait_timeout': 5}


class Cluster:
    """A one-broker cluster whose topic 't' is still being deleted for ``deleting`` more probes."""

    def __init__(self, deleting=0, lost_answer=False):
        self.deleting = deleting
        self.lost_answer = lost_answer
        self.topics = {}
        self.created = []

    def create_topics(self, items, validate_only, **kw):
        answers = []
        for name in items:
            if name in self.topics or (self.deleting and name == 't'):
                answers.append((name, 36, "Topic '%s' already exists." % name))
            elif not validate_only:
                self.topics[name] = [[1]]
                self.created.append(name)
                if self.lost_answer:
                    self.lost_answer = False
                    raise Errors.RequestTimedOutError('no answer')
                answers.append((name, 0, None))
            else:
                answers.append((name, 0, None))
        if validate_only and self.deleting:
            self.deleting -= 1
        return rows(*answers)

    def admin(self):
        return fake_admin(
            describe_topics=lambda *names: metadata(*self.topics.items()),
            describe_cluster=lambda: {'brokers': [{'broker_id': 1}], 'controller_id': 1},
            list_partition_reassignments=lambda: {},
            describe_configs=lambda resources, **kw: {},
            create_topics=self.create_topics,
            wait_for_topics=lambda names, **kw: None)


def run(cluster, monkeypatch, check_mode=False):
    admin = cluster.admin()
    monkeypatch.setattr(engine, 'connect', lambda params: admin)
    return engine.run_topics(PARAMS, [dict(TOPIC)], None, check_mode, diff=True), admin


def test_a_create_waits_while_its_name_is_still_being_deleted(monkeypatch):
    # defect 1: the metadata does not list 't' but its name is taken until its deletion ends
    cluster = Cluster(deleting=2)
    (result, warnings), admin = run(cluster, monkeypatch)
    assert cluster.created == ['t']
    assert result['changed'] is True
    assert [(c['action'], c['topic']) for c in result['changes']] == [('create', 't')]
    assert result['diff'][0]['after_header'] == 't'


def test_a_name_that_stays_taken_fails_before_any_change(monkeypatch):
    # defect 1: never report a create that did not happen
    monkeypatch.setitem(PARAMS, 'wait_timeout', 0)
    cluster = Cluster(deleting=100)
    with pytest.raises(KafkaModuleError) as e:
        run(cluster, monkeypatch)
    assert e.value.msg == ("Invalid input, nothing was changed: topic 't': Kafka says it exists but its metadata "
                           "does not list it; it is probably still being deleted (waited 0s), retry later")
    assert cluster.created == []
    assert 'changes' not in e.value.result


def test_a_run_whose_create_answer_was_lost_reports_the_create(monkeypatch):
    # defect 8, end to end: changed, with the create in the changes
    cluster = Cluster(lost_answer=True)
    (result, warnings), admin = run(cluster, monkeypatch)
    assert cluster.created == ['t']
    assert result['changed'] is True
    assert [(c['action'], c['topic']) for c in result['changes']] == [('create', 't')]


def test_check_mode_validates_and_changes_nothing(monkeypatch):
    cluster = Cluster()
    (result, warnings), admin = run(cluster, monkeypatch, check_mode=True)
    assert result['changed'] is True and cluster.created == []


def test_a_failure_after_changes_began_says_what_was_applied(monkeypatch):
    cluster = Cluster()
    admin = cluster.admin()
    admin.client.handlers['wait_for_topics'] = lambda names, **kw: (_ for _ in ()).throw(
        Errors.TopicAuthorizationFailedError('no'))
    monkeypatch.setattr(engine, 'connect', lambda params: admin)
    with pytest.raises(KafkaModuleError) as e:
        engine.run_topics(PARAMS, [dict(TOPIC)])
    assert e.value.msg.startswith('Failed after applying 1 operations (see applied): ')
    assert e.value.result['applied'] == [{'topic': 't', 'action': 'create'}]
    assert e.value.result['changed'] is True


def test_diff_entries():
    changes = [{'topic': 't', 'action': 'update', 'before': {'partitions': 1}, 'after': {'partitions': 2}}]
    assert engine.diff_entries(changes) == [{'before_header': 't', 'after_header': 't',
                                             'before': {'partitions': 1}, 'after': {'partitions': 2}}]
