"""The workaround for kafka-python's metadata refresh loop (module_utils/kafka_refresh.py), on a real
ClusterMetadata with a stand-in for its network manager."""

from kafka.cluster import ClusterMetadata
from kafka.future import Future

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_refresh import restart_an_ended_refresh_loop


class Manager:
    """Counts the loops started; each one is a Future that the test ends."""
    def __init__(self):
        self.loops = []

    def call_soon(self, coro, *args):
        self.loops.append(Future())
        return self.loops[-1]


def metadata(manager):
    restart_an_ended_refresh_loop()
    cluster = ClusterMetadata(bootstrap_servers='localhost:9092')
    cluster._manager = manager
    cluster._wakeup = lambda *args: None
    cluster._wakeup.notify = lambda: None
    return cluster


def test_a_refresh_loop_that_ended_with_an_error_is_started_again_by_the_next_update_request():
    manager = Manager()
    cluster = metadata(manager)
    cluster.request_update()
    cluster.request_update()
    assert len(manager.loops) == 1, 'a running loop is not started twice'
    manager.loops[0].failure(ConnectionResetError(104, 'Connection reset by peer'))
    cluster.request_update()
    assert len(manager.loops) == 2


def test_a_closed_client_does_not_start_its_loop_again():
    manager = Manager()
    cluster = metadata(manager)
    cluster.request_update()
    manager.loops[0].success(None)
    cluster.closed = True
    cluster.request_update()
    assert len(manager.loops) == 1


def test_applied_twice_it_wraps_once():
    restart_an_ended_refresh_loop()
    once = ClusterMetadata.start_refresh_loop
    restart_an_ended_refresh_loop()
    assert ClusterMetadata.start_refresh_loop is once
