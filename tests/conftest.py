import os

import pytest


def pytest_configure(config):
    # Under `molecule verify`, tell the integration tests where the brokers are.
    if os.environ.get('MOLECULE_INVENTORY_FILE') and not os.environ.get('KAFKA_BOOTSTRAP_SERVERS'):
        from lib.molecule_cluster import molecule_cluster
        os.environ['KAFKA_BOOTSTRAP_SERVERS'] = ','.join(molecule_cluster().bootstrap_servers())


@pytest.fixture(scope='session')
def cluster():
    from lib.molecule_cluster import molecule_cluster
    return molecule_cluster()
