import os
import sys

import pytest

# The checkout is the collection kafka_ansible.cluster (collections/ links it under that name):
# tests import its plugins as ansible_collections.kafka_ansible.cluster.plugins.*, as Ansible does.
COLLECTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'collections')
sys.path.insert(0, os.path.abspath(COLLECTIONS))

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_refresh import (  # noqa: E402 (the path above)
    restart_an_ended_refresh_loop)

# Every client of the tests too (the modules' clients get it from kafka_connection).
restart_an_ended_refresh_loop()


def pytest_configure(config):
    # Under `molecule verify`, tell the integration tests where the brokers are.
    if os.environ.get('MOLECULE_INVENTORY_FILE') and not os.environ.get('KAFKA_BOOTSTRAP_SERVERS'):
        from lib.molecule_cluster import molecule_cluster
        cluster = molecule_cluster()
        os.environ['KAFKA_BOOTSTRAP_SERVERS'] = ','.join(cluster.bootstrap_servers())
        # The SCRAM listener over TLS, where the scenario has one (molecule/default: CLIENTS on 9093).
        ca = os.path.join(cluster.ca_dir(), 'ca.crt')
        if os.path.exists(ca):
            os.environ.update(KAFKA_SCRAM_SECURITY_PROTOCOL='SASL_SSL', KAFKA_SCRAM_SSL_CAFILE=ca,
                              KAFKA_SCRAM_BOOTSTRAP_SERVERS=','.join('%s:9093' % cluster.address(name)
                                                                     for name in cluster.hosts('kafka')))
        # ... and where ZooKeeper is, for the kazoo reader's tests (tests/integration/test_zookeeper_kazoo.py).
        if cluster.hosts('zookeeper'):
            os.environ.setdefault('ZOOKEEPER_TEST_SERVER', cluster.zookeeper_servers()[0])
            os.environ.setdefault('ZOOKEEPER_TEST_CHROOT', '/kafka')
        # The scenario's ZooKeeper SASL user (molecule/default: kafka, its password beside the inventory).
        password = os.path.join(os.path.dirname(cluster.inventory), '..', 'zookeeper-kafka.password')
        if os.path.exists(password):
            with open(password) as f:
                os.environ.update(ZOOKEEPER_TEST_SASL_USER='kafka', ZOOKEEPER_TEST_SASL_PASSWORD=f.read().split()[0])


def pytest_collection_modifyitems(items):
    # A check marked `closes_the_cluster` shuts doors the others use (tests/lockdown): in one session it runs last.
    items.sort(key=lambda item: item.get_closest_marker('closes_the_cluster') is not None)


@pytest.fixture(scope='session')
def cluster():
    from lib.molecule_cluster import molecule_cluster
    return molecule_cluster()


@pytest.fixture(scope='module')
def tls_files(cluster, tmp_path_factory):
    """The CA certificate every node trusts, and the first broker's own certificate and key (a super user's)."""
    directory = tmp_path_factory.mktemp('tls')
    broker = cluster.host(cluster.hosts('kafka')[0])
    for name in ('ca.crt', 'node.crt', 'node.key'):
        (directory / name).write_text(broker.file('/etc/kafka/tls/' + name).content_string)
    return {name: str(directory / name) for name in ('ca.crt', 'node.crt', 'node.key')}


@pytest.fixture(scope='module')
def tls(tls_files):
    """A kafka-python client's settings for a mutual-TLS listener, with the first broker's certificate."""
    return dict(security_protocol='SSL', ssl_cafile=tls_files['ca.crt'], ssl_certfile=tls_files['node.crt'],
                ssl_keyfile=tls_files['node.key'])


@pytest.fixture(scope='module')
def admin(cluster):
    """An admin client of the Molecule cluster (tests/integration has its own, from KAFKA_BOOTSTRAP_SERVERS)."""
    from kafka import KafkaAdminClient
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers())
    yield client
    client.close()
