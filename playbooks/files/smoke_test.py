#!/usr/bin/env python3
"""Produce N numbered messages with acks=all through one broker, consume them through another,
and fail unless every message comes back exactly once. Prints a JSON summary."""

import argparse
import json
import sys
import time
import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--produce-via', required=True)
    parser.add_argument('--consume-via', required=True)
    parser.add_argument('--topic', required=True)
    parser.add_argument('--messages', type=int, default=1000)
    args = parser.parse_args()

    admin = KafkaAdminClient(bootstrap_servers=args.produce_via)
    created = False
    if args.topic not in admin.list_topics():
        brokers = len(admin.describe_cluster()['brokers'])
        try:
            admin.create_topics([NewTopic(args.topic, num_partitions=3, replication_factor=min(3, brokers))])
            created = True
        except TopicAlreadyExistsError:
            pass
    admin.close()

    run = uuid.uuid4().hex[:8]  # earlier runs' messages stay in the topic: count only ours
    sent = {'%s-%06d' % (run, i) for i in range(args.messages)}
    started = time.monotonic()
    producer = KafkaProducer(bootstrap_servers=args.produce_via, acks='all', retries=10)
    for value in sorted(sent):
        producer.send(args.topic, key=value.encode(), value=value.encode())
    producer.flush(timeout=60)
    producer.close()

    consumer = KafkaConsumer(bootstrap_servers=args.consume_via, enable_auto_commit=False)
    partitions = [TopicPartition(args.topic, p) for p in consumer.partitions_for_topic(args.topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    end = consumer.end_offsets(partitions)
    received = []
    deadline = time.monotonic() + 60
    while any(consumer.position(tp) < end[tp] for tp in partitions) and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=1000).values():
            received.extend(r.value.decode() for r in records if r.value.decode().startswith(run))
    consumer.close()

    result = {
        'created': created, 'topic': args.topic, 'sent': len(sent), 'received': len(received),
        'missing': len(sent - set(received)), 'duplicates': len(received) - len(set(received)),
        'seconds': round(time.monotonic() - started, 2),
    }
    print(json.dumps(result))
    return 0 if result['missing'] == 0 and result['duplicates'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
