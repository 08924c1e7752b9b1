import os
import sys

import pytest

# The checkout is the collection kafka_ansible.cluster (collections/ links it under that name):
# tests import its plugins as ansible_collections.kafka_ansible.cluster.plugins.*, as Ansible does.
COLLECTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'collections')
sys.path.insert(0, os.path.abspath(COLLECTIONS))


def pytest_configure(config):
    # Under `molecule verify`, tell the integration tests where the brokers are.
    if os.environ.get('MOLECULE_INVENTORY_FILE') and not os.environ.get('KAFKA_BOOTSTRAP_SERVERS'):
        from lib.molecule_cluster import molecule_cluster
        os.environ['KAFKA_BOOTSTRAP_SERVERS'] = ','.join(molecule_cluster().bootstrap_servers())
    # ... and where ZooKeeper is, for the kazoo reader's tests (tests/integration/test_zookeeper_kazoo.py).
    if os.environ.get('MOLECULE_INVENTORY_FILE') and not os.environ.get('ZOOKEEPER_TEST_SERVER'):
        from lib.molecule_cluster import molecule_cluster
        os.environ['ZOOKEEPER_TEST_SERVER'] = molecule_cluster().zookeeper_servers()[0]
        os.environ.setdefault('ZOOKEEPER_TEST_CHROOT', '/kafka')


@pytest.fixture(scope='session')
def cluster():
    from lib.molecule_cluster import molecule_cluster
    return molecule_cluster()


@pytest.fixture(scope='module')
def admin(cluster):
    """An admin client of the Molecule cluster (tests/integration has its own, from KAFKA_BOOTSTRAP_SERVERS)."""
    from kafka import KafkaAdminClient
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers())
    yield client
    client.close()
