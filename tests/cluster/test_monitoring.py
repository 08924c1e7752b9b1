"""Monitoring (issue 12) in the default scenario: Prometheus on the `monitoring` group scrapes every
target the inventory implies, loads the alert rules, and every query of every dashboard in
dashboards/ returns data from the live cluster."""

import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from lib.prometheus import Prometheus, as_promql, dashboard_queries

QUERIES = dashboard_queries()
RULES = ['KafkaBrokerDown', 'KafkaUnderReplicatedPartitions', 'KafkaUnderMinIsrPartitions', 'KafkaOfflinePartitions',
         'KafkaActiveControllerCountNotOne', 'KafkaOfflineLogDirectories', 'KafkaIsrShrinking',
         'KafkaRequestHandlerIdleLow', 'KafkaNetworkProcessorIdleLow', 'ZooKeeperMemberDown', 'ZooKeeperQuorumLost',
         'NodeExporterDown', 'NodeDiskNearlyFull']


@pytest.fixture(scope='module')
def prometheus(cluster):
    [host] = cluster.hosts('monitoring')
    prom = Prometheus('http://%s:9090' % cluster.address(host))
    prom.wait_for(prom.ready, 60, 'ready')
    return prom


@pytest.fixture(scope='module')
def traffic(cluster, prometheus):
    """Some produced and consumed messages, so that the per-topic throughput metrics exist."""
    topic = 'monitoring-%s' % uuid.uuid4().hex[:8]
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers())
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap_servers(), acks='all')
    for i in range(2000):
        producer.send(topic, value=b'%d' % i)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(topic, bootstrap_servers=cluster.bootstrap_servers(), auto_offset_reset='earliest',
                             group_id='monitoring-test', consumer_timeout_ms=10000)
    read = sum(1 for _ in consumer)
    consumer.close()
    assert read >= 2000, read
    prometheus.wait_for(
        lambda: prometheus.query('kafka_server_brokertopicmetrics_bytesout_total{topic="%s"}' % topic), 60,
        'the throughput of %s is scraped' % topic)
    return topic


def test_every_target_of_the_inventory_is_scraped_and_up(cluster, prometheus):
    monitoring = cluster.hosts('monitoring')
    expected = {('kafka', h) for h in cluster.hosts('kafka')}
    expected |= {('zookeeper', h) for h in cluster.hosts('zookeeper')}
    expected |= {('node', h) for h in set(cluster.hosts('kafka') + cluster.hosts('zookeeper') + monitoring)}
    expected |= {('prometheus', h) for h in monitoring}

    def all_up():
        targets = prometheus.targets()
        found = {(t['labels']['job'], t['labels']['instance']): t['health'] for t in targets}
        assert set(found) == expected, 'scraped %s, the inventory implies %s' % (sorted(found), sorted(expected))
        return all(health == 'up' for health in found.values())
    prometheus.wait_for(all_up, 90, 'every target is up: %s' % [
        (t['labels'], t['health'], t.get('lastError')) for t in prometheus.targets() if t['health'] != 'up'])


def test_the_alert_rules_are_loaded_and_evaluate(prometheus):
    rules = {rule['name']: rule for rule in prometheus.rules() if rule['type'] == 'alerting'}
    assert sorted(rules) == sorted(RULES)
    prometheus.wait_for(
        lambda: all(rule['health'] == 'ok' for rule in prometheus.rules() if rule['type'] == 'alerting'), 30,
        'every rule evaluates without error: %s' % {name: (rule['health'], rule.get('lastError'))
                                                   for name, rule in rules.items()})


def test_the_dashboards_have_queries():
    files = {name for name, _, _, _ in QUERIES}
    assert files == {'kafka-cluster.json', 'kafka-brokers.json', 'kafka-topics.json', 'zookeeper.json'}, files
    print('\n%d dashboard queries' % len(QUERIES))


@pytest.mark.parametrize('dashboard, panel, ref, expr', QUERIES,
                         ids=['%s: %s %s' % (q[0], q[1], q[2]) for q in QUERIES])
def test_every_dashboard_query_returns_data(prometheus, traffic, dashboard, panel, ref, expr):
    promql = as_promql(expr)
    result = prometheus.wait_for(lambda: prometheus.query(promql), 60, 'data for %s / %s: %s' % (dashboard, panel, promql))
    assert result
