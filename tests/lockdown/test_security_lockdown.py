"""The course cluster secured for production in one converge under load (issue 14), the last check of the default
scenario's verify (marked closes_the_cluster: it closes the listener and the ZooKeeper port the other checks use).
By hand on a converged default scenario: MOLECULE_INVENTORY_FILE=... pytest tests/lockdown. If the load cannot
flush, the failure prints the producer's view of the leaders and of its unfinished batches beside a fresh client's
and ZooKeeper's, and the playbook's result.

site.yml runs with -vvv --diff, the inventory's listeners without the course's PLAINTEXT one, no anonymous super
user, ZooKeeper requiring logins (zookeeper_sasl_required) and its plain port closed
(zookeeper_client_port_enabled), while an acks=all producer writes over INTERNAL (mutual TLS). Then nothing
acknowledged is lost, every member and broker restarted once, one at a time; no listener of any broker and no
ZooKeeper member answers a plaintext or unauthenticated client; root's tools, the students' logins and ACLs still
work; a second converge changes nothing; and no secret is in the run's output, the command lines sampled during it,
the journal or the logs."""

import re
import time
import uuid

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError

from lib.load import LoadGenerator, check
from lib.security import (CommandLines, api_versions_answer, as_broker, listed, record, refusals, scenario_secret,
                          scenario_secrets, secret_hits, tls_contexts, zookeeper)
from lib.students import assert_the_students_are_isolated

pytestmark = pytest.mark.closes_the_cluster

PLAINTEXT, INTERNAL, CLIENTS, BROKERS = 9092, 9094, 9093, 9095
ZOOKEEPER_PLAIN, ZOOKEEPER_TLS = 2181, 2182
RESTARTED = re.compile(r'TASK \[[^\]]*: Restart the service on the node, (\S+)\]')


def refused_logins(cluster, tls_files, address, port):
    """On a SCRAM-over-TLS port, a TLS client that does not log in and one with a wrong password get no metadata."""
    wrong = dict(security_protocol='SASL_SSL', sasl_mechanism='SCRAM-SHA-512', sasl_plain_username='kafka-broker',
                 sasl_plain_password='not-' + scenario_secret(cluster, 'kafka-broker.password'))
    for client in (dict(security_protocol='SSL'), wrong):
        with pytest.raises(KafkaError):
            KafkaAdminClient(bootstrap_servers=['%s:%d' % (address, port)], ssl_cafile=tls_files['ca.crt'],
                             bootstrap_timeout_ms=6000, request_timeout_ms=6000, **client).close()


def zookeeper_record(cluster, tls_files, load):
    """ZooKeeper's record of each partition's leader and the active controller (the role's chroot /kafka), to read
    beside the producer's and a fresh client's view (LoadGenerator.stop's error)."""
    partitions = sorted(load.producer._metadata.partitions_for_topic(load.topic) or [])
    # The secure port: the run may have closed the plain one.
    session = as_broker(cluster, '%s:%d' % (cluster.address(cluster.hosts('zookeeper')[0]), ZOOKEEPER_TLS), tls_files)
    try:
        recorded = {p: session.get('/kafka/brokers/topics/%s/partitions/%d/state' % (load.topic, p))[0].decode()
                    for p in partitions}
        controller = session.get('/kafka/controller')[0].decode()
    finally:
        session.stop()
    return 'in ZooKeeper %s, controller %s' % (recorded, controller)


def test_one_converge_under_load_closes_every_door_to_anonymous_clients(cluster, tls_files, tls):
    brokers, members = cluster.hosts('kafka'), cluster.hosts('zookeeper')
    listeners = cluster.variables(brokers[0])['kafka_listeners']
    secured = {'kafka_listeners': [listener for listener in listeners if listener['protocol'] != 'PLAINTEXT'],
               'kafka_super_users': [], 'zookeeper_sasl_required': True, 'zookeeper_client_port_enabled': False}
    internal = ['%s:%d' % (cluster.address(name), INTERNAL) for name in brokers]
    topic = 'it-lockdown-%s' % uuid.uuid4().hex[:6]
    admin = KafkaAdminClient(bootstrap_servers=internal, **tls)
    try:
        admin.create_topics([NewTopic(topic, 3, 3, topic_configs={'min.insync.replicas': '2'})])
    finally:
        admin.close()
    pids = {**cluster.main_pids('zookeeper', 'zookeeper'), **cluster.main_pids()}
    since = cluster.host(brokers[0]).check_output('date "+%Y-%m-%d %H:%M:%S"')
    load, sampler = LoadGenerator(internal, topic, **tls).start(), CommandLines(cluster, brokers + members)
    sampler.start()
    began, run = time.monotonic(), None
    try:
        run = cluster.playbook('site.yml', '-vvv', '--diff', extra_vars=secured, timeout=1800)
    finally:
        command_lines = sampler.stop()
        try:
            load.stop()
        except KafkaError as error:
            pytest.fail('%s; %s; the playbook: %s'
                        % (error, zookeeper_record(cluster, tls_files, load), run.tail() if run else 'did not end'))
    assert run.rc == 0, run.tail()
    figures = check(load, internal, **tls)
    record('course listener closed and ZooKeeper logins required in one site.yml (%.0f s) under load: %s, longest gap '
           '%.1f s, %d command-line samples' % (load.stopped - began, figures, load.longest_gap(), sampler.samples))
    assert figures['acked'] > 0 and figures['lost'] == 0 and figures['duplicates'] == 0, figures

    # Each member, then each broker, restarted once, one at a time.
    restarted = RESTARTED.findall(run.output)
    assert sorted(restarted) == sorted(members + brokers), restarted
    after = {**cluster.main_pids('zookeeper', 'zookeeper'), **cluster.main_pids()}
    assert [name for name in pids if after[name] == pids[name]] == [], (pids, after)

    without_certificate, with_certificate = tls_contexts(tls_files)
    for name in brokers:
        address = cluster.address(name)
        answers = {'course port %d plaintext' % PLAINTEXT: api_versions_answer(address, PLAINTEXT)}
        answers.update(('INTERNAL ' + key, value) for key, value in refusals(address, INTERNAL, without_certificate).items())
        answers.update(('%s plaintext' % listener, api_versions_answer(address, port))
                       for listener, port in (('CLIENTS', CLIENTS), ('BROKERS', BROKERS)))
        record('locked down: broker %s ; %s' % (name, listed(answers)))
        assert 7 not in answers.values(), (name, answers)
        assert 'ConnectionRefused' in answers['course port %d plaintext' % PLAINTEXT], answers
        assert api_versions_answer(address, INTERNAL, with_certificate) == 7, name
        for port in (CLIENTS, BROKERS):
            refused_logins(cluster, tls_files, address, port)
    from kazoo.exceptions import SessionClosedRequireSaslError
    for name in members:
        plain = api_versions_answer(cluster.address(name), ZOOKEEPER_PLAIN)
        assert 'ConnectionRefused' in plain, (name, plain)
        server = '%s:%d' % (cluster.address(name), ZOOKEEPER_TLS)
        anonymous, broker = zookeeper(server, tls_files=tls_files), as_broker(cluster, server, tls_files)
        try:
            with pytest.raises(SessionClosedRequireSaslError):
                anonymous.get_children('/kafka/brokers/ids')
            assert sorted(broker.get_children('/kafka/brokers/ids')) == sorted(str(cluster.broker_id(b)) for b in brokers)
        finally:
            anonymous.stop()
            broker.stop()
    record('locked down: each of %d ZooKeeper members refused the connection on the plain port %d (%s), closed the '
           'session of a client with a certificate but no login on %d, served the brokers\' login there'
           % (len(members), ZOOKEEPER_PLAIN, plain, ZOOKEEPER_TLS))

    # Those who have a key or a password still get in: root's tools on a broker and on a member (their certificates,
    # super users: the topic, without ACLs, is listed; the course's --zookeeper form too) and the students on
    # CLIENTS, under their ACLs.
    secure = 'kafka-topics --zookeeper %s:%d --list' % (members[0], ZOOKEEPER_TLS)
    for name in (brokers[0], members[0]):
        host = cluster.host(name)
        for command in ('kafka-topics --list', secure, 'kafka-topics --zookeeper %s:%d --list' % (members[0], ZOOKEEPER_PLAIN)):
            listed_topics = host.run(command)
            assert listed_topics.rc == 0 and topic in listed_topics.stdout.split(), \
                (name, command, listed_topics.stderr[-2000:])
            # The secure port through root's TLS and login; the closed plain one falls back to the node's cluster,
            # with a notice.
            if command == secure:
                assert 'the brokers registered in' in listed_topics.stderr, (name, listed_topics.stderr[-2000:])
    assert_the_students_are_isolated(cluster, CLIENTS, 'SASL_SSL', tls_files['ca.crt'])

    again = cluster.playbook('site.yml', extra_vars=secured, timeout=1800)
    assert again.rc == 0 and again.changed == 0, again.tail()
    hits = secret_hits(cluster, scenario_secrets(cluster),
                       {'ansible output': run.output, 'command lines': command_lines}, since)
    assert hits == {}
