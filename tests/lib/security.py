"""What the security checks of the scenarios share (issue 14): raw requests that show who a listener answers, the
scenario's secrets, ZooKeeper sessions with and without a login, and the hunt for secrets where they must not be."""

import os
import socket
import ssl
import struct
import subprocess
import threading

from lib.students import student_password

FIGURES = os.path.join(os.path.dirname(__file__), '..', '..', '.cache', 'security', 'figures.md')
# What a ZooKeeper member logged: its journal (start-foreground logs to the console) and any log file.
ZOOKEEPER_LOGS = '(journalctl -u zookeeper --no-pager; cat /var/log/zookeeper/*.log) 2>/dev/null'


def record(line, first=False):
    """A figure of the default scenario's security checks, printed by `make test` after the run."""
    os.makedirs(os.path.dirname(FIGURES), exist_ok=True)
    with open(FIGURES, 'w' if first else 'a') as f:
        f.write('- %s\n' % line)


def api_versions_answer(address, port, context=None):
    """The correlation id of a node's answer to an ApiVersions request (7), or what ended the connection."""
    request = struct.pack('>hhih', 18, 0, 7, 4) + b'test'  # ApiVersions v0, correlation id 7, client id "test"
    try:
        with socket.create_connection((address, port), timeout=15) as raw:
            with context.wrap_socket(raw, server_hostname=address) if context else raw as sock:
                sock.sendall(struct.pack('>i', len(request)) + request)
                answer = sock.recv(8)
    except OSError as error:  # ssl.SSLError included
        return repr(error)
    return struct.unpack('>ii', answer)[1] if len(answer) == 8 else 'connection closed'


def tls_contexts(tls_files):
    """TLS contexts that trust the CA, without and with a node's certificate."""
    without_certificate = ssl.create_default_context(cafile=tls_files['ca.crt'])
    with_certificate = ssl.create_default_context(cafile=tls_files['ca.crt'])
    with_certificate.load_cert_chain(tls_files['node.crt'], tls_files['node.key'])
    return without_certificate, with_certificate


def refusals(address, port, without_certificate):
    """What a plaintext client and a TLS client without a certificate get from a mutual-TLS port (7: an answer)."""
    return {'plaintext': api_versions_answer(address, port),
            'TLS without a certificate': api_versions_answer(address, port, without_certificate)}


def listed(answers):
    return ' ; '.join('%s: %s' % item for item in answers.items())


def scenario_secret(cluster, name):
    """A random secret the scenario keeps beside its inventory (molecule/default/molecule.yml)."""
    with open(os.path.join(os.path.dirname(cluster.inventory), '..', name)) as f:
        return f.read().split()[0]


def scenario_secrets(cluster):
    """{what: value} of every secret of the default scenario: the four kept beside its inventory, each broker's and
    ZooKeeper member's key and root's on the members (a line of each) and the students' passwords (JupyterHub and
    SCRAM)."""
    secrets = {'the CA passphrase': scenario_secret(cluster, 'kafka-ca.passphrase'),
               "the brokers' SCRAM password": scenario_secret(cluster, 'kafka-broker.password'),
               "ZooKeeper's kafka password": scenario_secret(cluster, 'zookeeper-kafka.password'),
               "ZooKeeper's quorum password": scenario_secret(cluster, 'zookeeper-quorum.password')}
    keys = [(name, '/etc/kafka/tls/node.key') for name in cluster.hosts('kafka')] \
        + [(name, '/etc/zookeeper/tls/node.key') for name in cluster.hosts('zookeeper')] \
        + [(name, '/etc/kafka-cli/tls/node.key') for name in cluster.hosts('zookeeper') if name not in cluster.hosts('kafka')]
    for name, path in keys:
        secrets['the key %s of %s' % (path, name)] = cluster.host(name).file(path).content_string.splitlines()[1][:40]
    for login in cluster.variables(cluster.hosts('kafka')[0])['course_students']:
        secrets["%s's JupyterHub password" % login] = scenario_secret(cluster, 'jupyter/%s.password' % login)
        secrets["%s's SCRAM password" % login] = student_password(cluster, login)
    return secrets


def zookeeper(server, password=None, tls_files=None):
    """A kazoo session with one member: anonymous, or logged in as kafka with ``password``; over TLS with a node's
    certificate when given ``tls_files`` (the member's name is not checked: ``server`` is an address)."""
    from kazoo.client import KazooClient
    tls = dict(use_ssl=True, ca=tls_files['ca.crt'], certfile=tls_files['node.crt'], keyfile=tls_files['node.key'],
               verify_certs=True, check_hostname=False) if tls_files else {}
    client = KazooClient(hosts=server, timeout=10, connection_retry={'max_tries': 2},
                         sasl_options={'mechanism': 'DIGEST-MD5', 'username': 'kafka', 'password': password}
                         if password else None, **tls)
    client.start(15)
    return client


def as_broker(cluster, server=None, tls_files=None):
    """A kazoo session logged in as the brokers' ZooKeeper user (kafka), by default with the first member."""
    return zookeeper(server or cluster.zookeeper_servers()[0], scenario_secret(cluster, 'zookeeper-kafka.password'), tls_files)


class CommandLines(threading.Thread):
    """Samples every process's command line on the given hosts (and here) until stopped."""

    def __init__(self, cluster, names):
        super().__init__(daemon=True)
        self.cluster, self.names, self.seen, self.samples = cluster, names, set(), 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            for name in self.names:
                text = self.cluster.host(name).run("cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '").stdout
                self.seen.add(text)
            self.seen.add(subprocess.run("cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '", shell=True,
                                         capture_output=True, text=True).stdout)
            self.samples += 1

    def stop(self):
        self.done.set()
        self.join()
        return ' '.join(self.seen)


def secret_hits(cluster, secrets, places, since):
    """{'<secret> in <place>': count} over ``places`` ({place: text}) and, on every broker and member, the journal
    since ``since`` and the service logs; the hunt's size is recorded."""
    places = dict(places)
    for name in cluster.hosts('kafka'):
        host = cluster.host(name)
        places['journal of %s' % name] = host.run('journalctl --since "%s" --no-pager' % since).stdout
        places['logs of %s' % name] = host.run('cat /var/log/kafka/*.log').stdout
    for name in cluster.hosts('zookeeper'):
        places['logs of %s' % name] = cluster.host(name).run(ZOOKEEPER_LOGS).stdout
    hits = dict(('%s in %s' % (secret, place), text.count(value))
                for secret, value in secrets.items() for place, text in places.items() if value in text)
    record('secret hunt: %d secrets in %d places, %d characters searched, hits %s'
           % (len(secrets), len(places), sum(len(t) for t in places.values()), hits))
    return hits
