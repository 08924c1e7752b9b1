"""The course's workflow on the cluster of `molecule verify`, as a student runs it on the nodes.

The command-line tools under Confluent's names (roles/kafka_cli), the `--zookeeper` syntax of
Kafka 1.x/2.x course material, the per-student topics of playbooks/course.yml, and the Python
examples of docs/course.md (docs/examples/*.py, run as they are).
"""

import ast
import base64
import collections
import os
import re
import shlex
import time
import uuid

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = yaml.safe_load(open(os.path.join(REPO, 'roles/kafka_cli/defaults/main.yml')))['kafka_cli_tools']
NOTICE = 'Kafka 3 tools have no --zookeeper'

# A "book": 5,000 lines of text, the same on every run; the scene breaks repeat, so the comparison
# of what comes back is a multiset comparison.
BOOK_SCRIPT = r'''
import random
rng = random.Random(1851)
words = ("call me ishmael some years ago never mind how long precisely having little or no money in my purse "
         "and nothing particular to interest me on shore i thought i would sail about a little and see the "
         "watery part of the world").split()
for number in range(1, 5001):
    if number % 250 == 0:
        print("* * *")
    else:
        print("%04d %s." % (number, " ".join(rng.choice(words) for _ in range(rng.randint(6, 16)))))
'''


def book_lines():
    namespace = {}
    code = BOOK_SCRIPT.replace('print(', '_out.append(')
    namespace['_out'] = []
    exec(code, namespace)  # noqa: S102 - our own constant
    return namespace['_out']


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def sh(host, command, user=None):
    """Run a shell command on the node (as `user`, default root); fail the test on a non-zero exit."""
    if user:
        command = 'runuser -u %s -- bash -c %s' % (user, shlex.quote(command))
    result = host.run('cd /tmp && ' + command)
    assert result.rc == 0, '%s\nrc=%s\nstdout:\n%s\nstderr:\n%s' % (command, result.rc, result.stdout[-3000:],
                                                                     result.stderr[-3000:])
    return result


def put(host, path, text):
    """Write a file on the node (base64: nothing in it is interpreted on the way)."""
    sh(host, 'echo %s | base64 -d > %s' % (base64.b64encode(text.encode()).decode(), path))


def wait_until_deleted(host, topic, timeout=60):
    deadline = time.time() + timeout
    while True:
        topics = sh(host, 'kafka-topics --list').stdout.split()
        if topic not in topics:
            return
        assert time.time() < deadline, '%s still listed %ds after its deletion' % (topic, timeout)
        time.sleep(2)


def check_description(text, topic, partitions=5, replication_factor=3):
    assert re.search(r'Topic: %s\s.*PartitionCount: %d\s.*ReplicationFactor: %d' % (
        re.escape(topic), partitions, replication_factor), text), text
    rows = re.findall(r'Partition: (\d+)\s+Leader: (\d+)\s+Replicas: ([\d,]+)\s+Isr: ([\d,]+)', text)
    assert sorted(int(row[0]) for row in rows) == list(range(partitions)), text
    for _, _, replicas, isr in rows:
        assert len(set(replicas.split(','))) == replication_factor, text
        assert set(isr.split(',')) == set(replicas.split(',')), text


@pytest.fixture(scope='module')
def nodes(cluster):
    brokers = cluster.hosts('kafka')
    zookeepers = [name for name in cluster.hosts('zookeeper') if name not in brokers]
    return {
        'producer': cluster.host(brokers[0]),
        'consumer': cluster.host(brokers[1]),
        'python': cluster.host(brokers[-1]),
        # A ZooKeeper-only node: the tools must be there too.
        'zookeeper': cluster.host((zookeepers or brokers)[-1]),
        'all': [cluster.host(name) for name in sorted(set(cluster.hosts('zookeeper')) | set(brokers))],
        'broker_names': brokers,
        'zookeeper_names': cluster.hosts('zookeeper'),
    }


def test_docs_show_the_example_files_as_they_are():
    """docs/course.md shows docs/examples/*.py (past their docstring) verbatim: the code the tests run."""
    with open(os.path.join(REPO, 'docs/course.md'), encoding='utf-8') as handle:
        blocks = re.findall(r'```python\n(.*?)```', handle.read(), re.S)
    for name in ('producer.py', 'consumer.py'):
        with open(os.path.join(REPO, 'docs/examples', name), encoding='utf-8') as handle:
            source = handle.read()
        docstring_end = ast.parse(source).body[0].end_lineno
        code = ''.join(source.splitlines(keepends=True)[docstring_end:]).strip() + '\n'
        assert code in blocks, 'docs/course.md does not show docs/examples/%s as it is' % name


def test_tools_are_on_every_users_path_on_every_node(nodes):
    check = 'for tool in %s; do command -v $tool >/dev/null || echo "missing $tool"; done' % ' '.join(TOOLS)
    for host in nodes['all']:
        result = sh(host, check, user='nobody')
        assert result.stdout.strip() == '', (host.backend.host, result.stdout)


def test_list_topics_without_naming_the_brokers_as_any_user_on_a_zookeeper_node(nodes):
    topic = unique('course-list')
    sh(nodes['producer'], 'kafka-topics --create --topic %s --partitions 1 --replication-factor 3' % topic)
    try:
        listing = sh(nodes['zookeeper'], 'kafka-topics --list', user='nobody').stdout.split()
        assert topic in listing
    finally:
        sh(nodes['producer'], 'kafka-topics --delete --topic %s' % topic)


def test_zookeeper_shell_defaults_to_the_ensemble_and_the_chroot(nodes, cluster):
    # The listing's line; the shell's event thread prints its "WatchedEvent ..." line before or after it.
    output = sh(nodes['consumer'], 'zookeeper-shell ls /brokers/ids').stdout
    listings = [line for line in output.splitlines() if line.startswith('[')]
    assert listings == [str(sorted(cluster.broker_id(name) for name in nodes['broker_names']))], output


def test_student_flow_with_the_confluent_names(nodes, cluster):
    """Create (RF 3, 5 partitions), describe, produce a book on one node, read it back on another, delete."""
    producer, consumer = nodes['producer'], nodes['consumer']
    topic = unique('course-book')
    book = book_lines()
    sh(producer, 'kafka-topics --create --topic %s --partitions 5 --replication-factor 3' % topic)
    try:
        check_description(sh(consumer, 'kafka-topics --describe --topic %s' % topic).stdout, topic)

        # Small batches spread the lines over all five partitions.
        sh(producer, 'python3 -c %s > /tmp/%s.txt && kafka-console-producer --topic %s --batch-size 4096 < /tmp/%s.txt'
           % (shlex.quote(BOOK_SCRIPT), topic, topic, topic))

        # From the beginning, on another node, through explicitly named brokers.
        bootstrap = ','.join(cluster.bootstrap(name) for name in nodes['broker_names'])
        received = sh(consumer, 'kafka-console-consumer --bootstrap-server %s --topic %s --from-beginning '
                                '--max-messages %d --timeout-ms 60000' % (bootstrap, topic, len(book)))
        assert collections.Counter(received.stdout.splitlines()) == collections.Counter(book)

        # Partition 0 from offset 10: exactly the records of offsets 10 .. end-1 of that partition.
        offsets = sh(consumer, 'kafka-get-offsets --topic %s' % topic).stdout.split()
        end = {int(p): int(o) for t, p, o in (line.split(':') for line in offsets) if t == topic}
        assert sorted(end) == list(range(5)) and sum(end.values()) == len(book), offsets
        assert end[0] > 10, 'partition 0 holds only %d lines: %s' % (end[0], end)
        command = ('kafka-console-consumer --topic %s --partition 0 --offset %s --max-messages %d --timeout-ms 60000 '
                   '--property print.offset=true')
        whole = sh(consumer, command % (topic, 'earliest', end[0])).stdout.splitlines()
        tail = sh(consumer, command % (topic, 10, end[0] - 10)).stdout.splitlines()
        assert [line.split('\t', 1)[0] for line in tail] == ['Offset:%d' % o for o in range(10, end[0])]
        assert tail == whole[10:]
        assert collections.Counter(line.split('\t', 1)[1] for line in tail) <= collections.Counter(book)
    finally:
        sh(producer, 'rm -f /tmp/%s.txt; kafka-topics --delete --topic %s' % (topic, topic))
    wait_until_deleted(consumer, topic)


def test_old_course_material_with_zookeeper_and_broker_list(nodes):
    """`kafka-topics --zookeeper HOST:2181` and `kafka-console-producer --broker-list` of Kafka 1.x/2.x."""
    host = nodes['zookeeper']
    zookeeper = '%s:2181' % nodes['zookeeper_names'][0]
    topic = unique('course-legacy')
    created = sh(host, 'kafka-topics --zookeeper %s --create --topic %s --partitions 5 --replication-factor 3'
                 % (zookeeper, topic))
    assert NOTICE in created.stderr and len(created.stderr.strip().splitlines()) == 1, created.stderr
    try:
        listed = sh(host, 'kafka-topics --zookeeper %s --list' % zookeeper)
        assert topic in listed.stdout.split() and NOTICE in listed.stderr
        described = sh(host, 'kafka-topics --zookeeper %s --describe --topic %s' % (zookeeper, topic))
        check_description(described.stdout, topic)

        lines = ['legacy line %d' % i for i in range(100)]
        broker_list = ','.join('%s:9092' % name for name in nodes['broker_names'][:2])
        put(host, '/tmp/%s.txt' % topic, '\n'.join(lines) + '\n')
        sh(host, 'kafka-console-producer --broker-list %s --topic %s < /tmp/%s.txt' % (broker_list, topic, topic))
        received = sh(host, 'kafka-console-consumer --bootstrap-server %s --topic %s --from-beginning '
                            '--max-messages 100 --timeout-ms 60000' % (broker_list, topic))
        assert sorted(received.stdout.splitlines()) == sorted(lines)
    finally:
        deleted = sh(host, 'rm -f /tmp/%s.txt; kafka-topics --zookeeper %s --delete --topic %s'
                     % (topic, zookeeper, topic))
    assert NOTICE in deleted.stderr
    wait_until_deleted(host, topic)


def test_python_examples_round_trip(nodes):
    """docs/examples/producer.py and consumer.py, as the docs show them, with the brokers' kafka-python."""
    host = nodes['python']
    topic = unique('course-python')
    for name in ('producer.py', 'consumer.py'):
        with open(os.path.join(REPO, 'docs/examples', name), encoding='utf-8') as handle:
            put(host, '/tmp/%s-%s' % (topic, name), handle.read())
    sh(host, 'kafka-topics --create --topic %s --partitions 5 --replication-factor 3' % topic)
    try:
        env = 'KAFKA_BOOTSTRAP_SERVERS=%s' % ','.join('%s:9092' % name for name in nodes['broker_names'])
        python = '/opt/kafka-python/bin/python'
        sent = sh(host, '%s %s /tmp/%s-producer.py %s 50' % (env, python, topic, topic)).stdout.splitlines()
        assert len(sent) == 50
        received = sh(host, '%s %s /tmp/%s-consumer.py %s' % (env, python, topic, shlex.quote('^%s$' % topic)))
        numbers = sorted(int(re.search(r'"number": (\d+)', line).group(1)) for line in received.stdout.splitlines())
        assert numbers == list(range(50)), received.stdout
        assert all(line.startswith(topic + ' partition ') for line in received.stdout.splitlines())
    finally:
        sh(host, 'rm -f /tmp/%s-*.py; kafka-topics --delete --topic %s' % (topic, topic))


def test_course_playbook_creates_one_topic_per_student(nodes, cluster):
    """playbooks/course.yml with the course's list of logins: 5 partitions, RF 3, idempotent."""
    students_file = os.path.join(REPO, 'inventories/ceci/group_vars/all/course.yml')
    students = yaml.safe_load(open(students_file))['course_students']
    host = nodes['producer']
    existing = set(sh(host, 'kafka-topics --list').stdout.split())
    try:
        for attempt in (1, 2):
            # The course's logins as they are, without the scenario's isolation (tests/jupyter tests that).
            run = cluster.playbook('playbooks/course.yml', '-e', '@' + students_file,
                                   extra_vars={'course_student_kafka_passwords': {}})
            assert run.rc == 0, run.tail()
            if attempt == 2:
                assert run.changed == 0, run.tail()
        pattern = '^(%s)$' % '|'.join(re.escape(login) for login in students)
        description = sh(host, 'kafka-topics --describe --topic %s' % shlex.quote(pattern)).stdout
        for login in students:
            check_description('\n'.join(line for line in description.splitlines()
                                        if re.search(r'Topic: %s\s' % re.escape(login), line)), login)
    finally:
        created = [login for login in students if login not in existing]
        if created:
            sh(host, 'kafka-topics --delete --topic %s' % shlex.quote('^(%s)$' % '|'.join(map(re.escape, created))))
