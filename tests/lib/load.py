"""Load generator, checker and cluster probes for the failover tests (issue 4).

The producer and the checker follow Kafka's own replication system tests and Jepsen:
acks=all, idempotence on, sequential ids as values, every acknowledgement recorded as
(id, partition, offset, time); the checker is a fresh consumer without auto-commit that reads
every partition from the beginning to the end offsets.
"""

import logging
import os
import sys
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.errors import KafkaError, KafkaTimeoutError

# The project's kazoo-based ZooKeeper reader (plugins/module_utils/zookeeper_client.py).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'plugins', 'module_utils'))
from zookeeper_client import ZooKeeperReader  # noqa: E402

log = logging.getLogger(__name__)

PRODUCER_SETTINGS = dict(
    acks='all',
    enable_idempotence=True,
    retries=2147483647,
    # Generous: a stall (no ISR, no leader, no quorum) delays messages instead of failing them.
    delivery_timeout_ms=240000,
    # How long the producer waits on one broker before it asks for fresh metadata and retries
    # elsewhere: decides the gap when a leader freezes without closing its connections.
    request_timeout_ms=10000,
    max_block_ms=240000,
    linger_ms=5,
    retry_backoff_ms=200,
    metadata_max_age_ms=5000,
)


class LoadGenerator:
    """Sends sequential ids at a steady rate from a background thread and records every ack."""

    def __init__(self, bootstrap_servers, topic, rate=200, **settings):
        self.topic = topic
        self.rate = rate
        self.producer = KafkaProducer(bootstrap_servers=bootstrap_servers, **{**PRODUCER_SETTINGS, **settings})
        # For a fresh client's view (stuck): the settings an admin client takes (security), not the producer's own.
        self.client = dict(bootstrap_servers=bootstrap_servers,
                           **{key: value for key, value in settings.items() if key in KafkaAdminClient.DEFAULT_CONFIG})
        self.acks = []     # (id, partition, offset, monotonic time of the ack)
        self.errors = []   # (id, error, monotonic time)
        self.sent_at = []  # monotonic time each id was handed to the producer, by id
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name='load-%s' % topic, daemon=True)

    def _ack(self, ident, metadata):
        self.acks.append((ident, metadata.partition, metadata.offset, time.monotonic()))

    def _error(self, ident, exc):
        self.errors.append((ident, repr(exc), time.monotonic()))

    def _run(self):
        interval = 1.0 / self.rate
        deadline = time.monotonic()
        ident = 0
        while not self._stop.is_set():
            self.sent_at.append(time.monotonic())
            future = self.producer.send(self.topic, value=str(ident).encode())
            future.add_callback(self._ack, ident)
            future.add_errback(self._error, ident)
            ident += 1
            self.sent = ident
            deadline += interval
            pause = deadline - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            elif pause < -1.0:
                deadline = time.monotonic()  # never burst to catch up after a blocked send

    def start(self):
        self.started = time.monotonic()
        self._thread.start()
        return self

    def stop(self, flush_timeout=240):
        self._stop.set()
        self._thread.join()
        self.stopped = time.monotonic()
        try:
            self.producer.flush(timeout=flush_timeout)
        except KafkaTimeoutError as error:
            raise KafkaTimeoutError('the producer could not flush in %d s: %s' % (flush_timeout, self.stuck())) from error
        self.producer.close(timeout=10)
        self.flushed = time.monotonic()

    def stuck(self):
        """Each partition's leader as the producer sees it (and how old its metadata is) and as a fresh admin client
        sees it, and the producer's unfinished batches: whether the client or the cluster got stuck."""
        metadata, now = self.producer._metadata, time.monotonic()
        partitions = sorted(metadata.partitions_for_topic(self.topic) or [])
        seen = {p: metadata.leader_for_partition(TopicPartition(self.topic, p)) for p in partitions}
        unfinished = ['%d (%d attempts, %.0f s old)' % (batch.topic_partition.partition, batch.attempts, now - batch.created)
                      for batch in self.producer._accumulator._incomplete.all()]
        try:
            admin = KafkaAdminClient(request_timeout_ms=10000, **self.client)
            try:
                described = admin.describe_topics([self.topic])[0]['partitions']
            finally:
                admin.close()
            fresh = dict(sorted((p['partition_index'], p['leader_id']) for p in described))
        except KafkaError as error:
            fresh = repr(error)
        return ('leaders seen by the producer %s (its metadata %.0f s old), by a fresh admin client %s; the producer\'s '
                'unfinished batches by partition %s, muted partitions %s'
                % (seen, now - metadata._last_successful_refresh_ms / 1000, fresh, unfinished,
                   sorted(tp.partition for tp in self.producer._accumulator.muted)))

    def acks_between(self, start, end):
        return [a for a in self.acks if start <= a[3] <= end]

    def acked_before(self, sent_from, end):
        """Acks received before `end` of the messages sent from `sent_from` on."""
        return [a for a in self.acks if self.sent_at[a[0]] >= sent_from and a[3] < end]

    def longest_gap(self, start=None, end=None):
        """Longest time without any ack between `start` and `end` (default: the load window)."""
        start = self.started if start is None else start
        end = self.stopped if end is None else end
        times = sorted(a[3] for a in self.acks if start <= a[3] <= end)
        points = [start] + times + [end]
        return max(b - a for a, b in zip(points, points[1:]))


def read_back(bootstrap_servers, topic, timeout=120, **settings):
    """Every record of `topic`, as (id, partition, offset), read by a fresh consumer (`settings`: its security)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False,
                             auto_offset_reset='earliest', request_timeout_ms=30000, **settings)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        assert partitions, 'topic %s has no partitions' % topic
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        records = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            assert time.monotonic() < deadline, 'the checker could not read %s to its end offsets %s' % (topic, end)
            for batch in consumer.poll(timeout_ms=1000).values():
                records.extend((int(r.value), r.partition, r.offset) for r in batch if r.offset < end[TopicPartition(topic, r.partition)])
        return records
    finally:
        consumer.close()


def check(load, bootstrap_servers, **settings):
    """Figures of one run: acked, lost, duplicates, mismatched (partition, offset)."""
    records = read_back(bootstrap_servers, load.topic, **settings)
    read_ids = {}
    duplicates = 0
    by_position = {}
    for ident, partition, offset in records:
        if ident in read_ids:
            duplicates += 1
        read_ids[ident] = (partition, offset)
        by_position[(partition, offset)] = ident
    lost = [a[0] for a in load.acks if a[0] not in read_ids]
    mismatched = [a for a in load.acks if by_position.get((a[1], a[2]), a[0]) != a[0]]
    return {
        'sent': load.sent,
        'acked': len(load.acks),
        'failed': len(load.errors),
        'read': len(records),
        'lost': len(lost),
        'duplicates': duplicates,
        'mismatched': len(mismatched),
        'lost_sample': lost[:10],
        'mismatched_sample': mismatched[:10],
        'errors_sample': load.errors[:3],
    }


class Probe:
    """Cluster state as the brokers and ZooKeeper report it."""

    def __init__(self, bootstrap_servers, zookeeper_servers, chroot='/kafka'):
        self.bootstrap_servers = bootstrap_servers
        self.zookeeper_servers = zookeeper_servers
        self.chroot = chroot
        self._admin = None

    @property
    def admin(self):
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap_servers, request_timeout_ms=10000)
        return self._admin

    def close(self):
        if self._admin is not None:
            self._admin.close()
            self._admin = None

    def _retry(self, call, attempts=3):
        for attempt in range(attempts):
            try:
                return call()
            except Exception:
                self.close()
                if attempt == attempts - 1:
                    raise
                time.sleep(1)

    def create_topic(self, topic, partitions=3, assignments=None):
        spec = {'configs': {'min.insync.replicas': '2', 'unclean.leader.election.enable': 'false'}}
        if assignments:
            spec['assignments'] = assignments
        else:
            spec.update(num_partitions=partitions, replication_factor=3)
        self._retry(lambda: self.admin.create_topics({topic: spec}, wait_for_metadata=True))

    def topic_configs(self, topic):
        """The configuration the brokers loaded for the topic (describe_configs, all keys)."""
        result = self._retry(lambda: self.admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter='all'))
        return {key: entry['value'] for key, entry in result['topic'][topic].items()}

    def partitions(self, topics=None):
        """[{topic, partition, leader, replicas, isr}] from the cluster metadata."""
        described = self._retry(lambda: self.admin.describe_topics(topics))
        return [{'topic': t['name'], 'partition': p['partition_index'], 'leader': p['leader_id'],
                 'replicas': list(p['replica_nodes']), 'isr': list(p['isr_nodes'])}
                for t in described if not t.get('error_code') for p in t['partitions']]

    # ZooKeeper's view: the source of truth in ZooKeeper mode.
    def zk(self, call):
        last = None
        for server in self.zookeeper_servers:
            try:
                with ZooKeeperReader(server, timeout=3.0) as reader:
                    return call(reader)
            except Exception as exc:  # a member without quorum does not serve
                last = exc
        raise last

    def registered(self):
        return sorted(int(i) for i in self.zk(lambda z: z.children(self.chroot + '/brokers/ids')) or [])

    def controller(self):
        import json
        data = self.zk(lambda z: z.get(self.chroot + '/controller'))
        return json.loads(data)['brokerid'] if data else None

    def partition_states(self, topic):
        """{partition: state znode} of every partition of the topic, read in one ZooKeeper session."""
        import json
        path = '%s/brokers/topics/%s/partitions' % (self.chroot, topic)
        return self.zk(lambda z: {int(p): json.loads(z.get('%s/%s/state' % (path, p))) for p in z.children(path)})

    def partition_state(self, topic, partition):
        """{'leader', 'leader_epoch', 'isr', 'controller_epoch'} from the partition's state znode."""
        import json
        data = self.zk(lambda z: z.get('%s/brokers/topics/%s/partitions/%d/state' % (self.chroot, topic, partition)))
        return json.loads(data) if data else None

    def wait_until(self, predicate, timeout, what, interval=0.5):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if predicate():
                    return
            except Exception as exc:
                log.debug('%s: %s', what, exc)
            if time.monotonic() > deadline:
                raise AssertionError('timed out after %ss waiting until %s' % (timeout, what))
            time.sleep(interval)

    def wait_healed(self, brokers, timeout=120):
        """Seconds until every broker is registered and every ISR (all topics) is full."""
        start = time.monotonic()

        def healed():
            if self.registered() != sorted(brokers):
                return False
            parts = self.partitions()
            return all(p['leader'] >= 0 and sorted(p['isr']) == sorted(p['replicas']) for p in parts)
        self.wait_until(healed, timeout, 'every broker is registered and every ISR is full', interval=1)
        return time.monotonic() - start


class IsrSampler:
    """Samples the ISR of a topic's partitions every `interval` seconds in a background thread, from ZooKeeper's
    partition state: the source of truth in ZooKeeper mode, and it answers while a broker is cut off (an admin
    client's request to a broker behind iptables DROP, then its new bootstrap, blocked one sample for a minute)."""

    def __init__(self, probe, topic, interval=1.0):
        self.probe = Probe(probe.bootstrap_servers, probe.zookeeper_servers, probe.chroot)
        self.topic = topic
        self.interval = interval
        self.samples = []  # (monotonic time, {partition: isr}, {partition: leader})
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            now = time.monotonic()
            try:
                states = self.probe.partition_states(self.topic)
                self.samples.append((now, {p: state['isr'] for p, state in states.items()},
                                     {p: state['leader'] for p, state in states.items()}))
            except Exception:
                self.failures += 1
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - now)))

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def smallest_isr(self, start=None, end=None):
        sizes = [len(isr) for t, isrs, _ in self.samples
                 if (start is None or t >= start) and (end is None or t <= end) for isr in isrs.values()]
        return min(sizes) if sizes else None
