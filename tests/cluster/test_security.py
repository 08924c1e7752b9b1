"""The listeners of the default scenario, with real clients (issue 14): PLAINTEXT for the course, INTERNAL
(TLS, client certificates from the role's CA; the modules), CLIENTS (SCRAM over TLS, under ACLs), BROKERS
(SCRAM over TLS; the brokers' own user); and its ZooKeeper, where brokers log in with SASL DIGEST-MD5 and
members authenticate each other.

Every refusal is shown twice: the client fails, and the reason kafka-python logs is the expected one."""

import json
import logging
import os
import re
import time
import uuid

import kafka.errors as Errors
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, ConfigResource,
                         ConfigResourceType, NewTopic, ResourcePattern, ResourceType)
from kafka.admin import UserScramCredentialDeletion, UserScramCredentialUpsertion

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_apply import alter_on_controller
from lib.load import LoadGenerator, check
from lib.molecule_cluster import four_letter_word
from lib.security import (ZOOKEEPER_LOGS, CommandLines, as_broker, listed, record, scenario_secret, scenario_secrets,
                          secret_hits, tls_contexts, zookeeper)

PLAINTEXT, INTERNAL, CLIENTS, BROKERS = 9092, 9094, 9093, 9095
# ZooKeeper's client ports (the role common's defaults): plain, for the course; TLS (zookeeper_tls_enabled).
ZOOKEEPER_PLAIN, ZOOKEEPER_TLS = 2181, 2182
# The brokers' own SCRAM user (kafka_inter_broker_sasl_username), as the role stores it in ZooKeeper.
BROKER_CREDENTIAL = '/kafka/config/users/kafka-broker'
MESSAGES = 500


def servers(cluster, port):
    return ['%s:%d' % (cluster.address(name), port) for name in cluster.hosts('kafka')]


def refusal(caplog, **client):
    """The errors kafka-python logs while an admin client fails to connect with these settings."""
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger='kafka'):
        with pytest.raises(Errors.KafkaError):
            KafkaAdminClient(bootstrap_timeout_ms=6000, request_timeout_ms=6000, **client).close()
    return ' '.join(record.getMessage() for record in caplog.records)


@pytest.fixture(scope='module')
def user(admin):
    """A SCRAM-SHA-512 user of this test module, with a random password; deleted at the end."""
    name, password = 'it-sec-%s' % uuid.uuid4().hex[:8], uuid.uuid4().hex
    alter = alter_on_controller(admin)
    assert alter([UserScramCredentialUpsertion(name, 'SCRAM-SHA-512', password)]) == {name: None}
    yield name, password
    alter([UserScramCredentialDeletion(name, 'SCRAM-SHA-512')])


@pytest.fixture(scope='module')
def topic(admin, user):
    name = user[0] + '.orders'
    admin.create_topics([NewTopic(name, 3, 3)])
    yield name
    admin.delete_topics([name])


def scram(cluster, tls_files, user, password, port=CLIENTS):
    return dict(bootstrap_servers=servers(cluster, port), security_protocol='SASL_SSL',
                ssl_cafile=tls_files['ca.crt'], sasl_mechanism='SCRAM-SHA-512',
                sasl_plain_username=user, sasl_plain_password=password)


def test_plaintext_clients_are_refused_on_the_tls_listeners(cluster, caplog):
    for port in (INTERNAL, CLIENTS, BROKERS):
        reason = refusal(caplog, bootstrap_servers=servers(cluster, port))
        assert 'disconnected' in reason or 'Connection reset' in reason, (port, reason)


def test_a_client_without_a_certificate_is_refused_on_the_mtls_listener(cluster, tls_files, caplog):
    reason = refusal(caplog, bootstrap_servers=servers(cluster, INTERNAL), security_protocol='SSL',
                     ssl_cafile=tls_files['ca.crt'])
    assert 'CERTIFICATE_REQUIRED' in reason.upper() or 'disconnected' in reason, reason


def test_a_client_with_a_broker_certificate_is_a_super_user_on_the_mtls_listener(cluster, tls_files):
    client = KafkaAdminClient(bootstrap_servers=servers(cluster, INTERNAL), security_protocol='SSL',
                              ssl_cafile=tls_files['ca.crt'], ssl_certfile=tls_files['node.crt'],
                              ssl_keyfile=tls_files['node.key'])
    try:
        assert 'ALTER' in client.describe_cluster()['authorized_operations']
    finally:
        client.close()


def failed_logins(cluster, attempt):
    """The brokers' log lines of the logins refused during ``attempt()``."""
    logs = dict((name, cluster.host(name)) for name in cluster.hosts('kafka'))
    marks = dict((name, int(host.check_output('wc -l < /var/log/kafka/server.log'))) for name, host in logs.items())
    attempt()
    return [line for name, host in logs.items()
            for line in host.check_output('tail -n +%d /var/log/kafka/server.log' % (marks[name] + 1)).splitlines()
            if 'Failed authentication' in line]


@pytest.mark.parametrize('who', ['a wrong password', 'an unknown user'])
def test_a_login_with_wrong_credentials_is_refused(cluster, tls_files, user, caplog, who):
    name, password = (user[0], 'not-' + user[1]) if who == 'a wrong password' else ('nobody-' + user[0], user[1])
    lines = failed_logins(cluster, lambda: refusal(caplog, **scram(cluster, tls_files, name, password)))
    # Kafka says the same for both, so that a client cannot learn which users exist.
    assert lines and all('invalid credentials with SASL mechanism SCRAM-SHA-512' in line for line in lines), lines


def test_a_user_without_an_acl_gets_an_authorization_error(cluster, tls_files, user, topic):
    producer = KafkaProducer(acks='all', **scram(cluster, tls_files, *user))
    try:
        with pytest.raises(Errors.TopicAuthorizationFailedError):
            producer.send(topic, b'denied').get(timeout=30)
    finally:
        producer.close()


def first_delivery(cluster, tls_files, user, topic, value):
    """A producer of the user whose first message arrived. The brokers learn new ACLs from ZooKeeper a moment
    after they are created; until then a broker refuses the topic, or the idempotent producer's id
    (ClusterAuthorizationFailed, which ends that producer: the next attempt takes a new one)."""
    for attempt in range(20):
        producer = KafkaProducer(acks='all', **scram(cluster, tls_files, *user))
        try:
            producer.send(topic, value).get(timeout=30)
            return producer
        except Errors.KafkaError as error:
            producer.close()
            refused = isinstance(error, Errors.TopicAuthorizationFailedError) or 'ClusterAuthorizationFailed' in str(error)
            if attempt == 19 or not refused:
                raise
            time.sleep(1)


def test_a_user_with_acls_produces_and_consumes_exactly_over_tls(cluster, tls_files, admin, user, topic):
    principal = 'User:' + user[0]
    acls = [ACL(principal, '*', operation, ACLPermissionType.ALLOW,
                ResourcePattern(ResourceType.TOPIC, topic, ACLResourcePatternType.LITERAL))
            for operation in (ACLOperation.WRITE, ACLOperation.READ, ACLOperation.DESCRIBE)]
    assert not admin.create_acls(acls)['failed']
    sent = [('%s-%05d' % (topic, i)).encode() for i in range(MESSAGES)]
    producer = first_delivery(cluster, tls_files, user, topic, sent[0])
    try:
        for value in sent[1:]:
            producer.send(topic, value)
        producer.flush(timeout=60)
    finally:
        producer.close()
    consumer = KafkaConsumer(consumer_timeout_ms=15000, auto_offset_reset='earliest', enable_auto_commit=False,
                             **scram(cluster, tls_files, *user))
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(3)])
        received = [record.value for record in consumer]
    finally:
        consumer.close()
    # The first message may have been sent more than once while the ACLs spread; never lost.
    assert sorted(set(received)) == sorted(sent)
    assert len(received) - len(sent) <= 19


def test_brokers_loaded_the_listener_and_authorizer_settings(cluster, admin):
    for name in cluster.hosts('kafka'):
        broker_id = str(cluster.broker_id(name))
        result = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, broker_id)], config_filter='all')
        loaded = {key: entry['value'] for key, entry in result['broker'][broker_id].items()}
        address = cluster.address(name)
        assert loaded['advertised.listeners'] == (
            'PLAINTEXT://{0}:9092,INTERNAL://{0}:9094,CLIENTS://{0}:9093,BROKERS://{0}:9095'.format(address)), name
        assert loaded['listener.security.protocol.map'] == (
            'PLAINTEXT:PLAINTEXT,INTERNAL:SSL,CLIENTS:SASL_SSL,BROKERS:SASL_SSL')
        assert loaded['inter.broker.listener.name'] == 'BROKERS'
        assert loaded['sasl.mechanism.inter.broker.protocol'] == 'SCRAM-SHA-512'
        assert loaded['ssl.keystore.type'] == 'PEM'
        assert loaded['authorizer.class.name'] == 'kafka.security.authorizer.AclAuthorizer'


def test_each_broker_holds_its_own_key_and_a_certificate_for_its_names(cluster):
    first = cluster.host(cluster.hosts('kafka')[0])
    for name in cluster.hosts('kafka'):
        host = cluster.host(name)
        key, cert = host.file('/etc/kafka/tls/node.key'), host.file('/etc/kafka/tls/node.crt')
        assert (key.user, key.group, key.mode) == ('kafka', 'kafka', 0o600), name
        assert (cert.user, cert.group, cert.mode) == ('root', 'kafka', 0o640), name
        # node.pem: the key and the certificate in one file, for ZooKeeper's secure port (zookeeper_tls_enabled).
        assert sorted(host.file('/etc/kafka/tls').listdir()) == ['ca.crt', 'node.crt', 'node.key', 'node.pem'], name
        keystore = host.file('/etc/kafka/tls/node.pem')
        assert (keystore.user, keystore.group, keystore.mode) == ('kafka', 'kafka', 0o600), name
        assert keystore.content_string.split() == (key.content_string + '\n' + cert.content_string).split(), name
        names = host.check_output('openssl x509 -in /etc/kafka/tls/node.crt -noout -ext subjectAltName')
        assert 'IP Address:%s' % cluster.address(name) in names and 'DNS:%s' % name in names, names
        # The certificate is for this node's own key, and the CA every broker trusts signed it.
        public = host.check_output('openssl pkey -in /etc/kafka/tls/node.key -pubout')
        assert public == host.check_output('openssl x509 -in /etc/kafka/tls/node.crt -noout -pubkey')
        assert host.check_output('openssl verify -CAfile /etc/kafka/tls/ca.crt /etc/kafka/tls/node.crt').endswith('OK')
        assert host.file('/etc/kafka/tls/ca.crt').content_string == first.file('/etc/kafka/tls/ca.crt').content_string


def assert_the_tools_reach_every_broker_on(cluster, host, port, user='root'):
    """A user's kafka-broker-api-versions on a node, naming no brokers, gets every broker's answer on ``port``."""
    versions = host.run('runuser -u %s -- kafka-broker-api-versions' % user)
    assert versions.rc == 0, (user, versions.stderr[-2000:])
    brokers = [line for line in versions.stdout.splitlines() if '(id:' in line]
    assert len(brokers) == len(cluster.hosts('kafka')) and all(':%d (id:' % port in line for line in brokers), (user, brokers)


def test_root_on_a_broker_is_a_super_user_on_the_admin_listener_without_typing_a_credential(cluster):
    """/etc/kafka-cli/client.properties (root's, the broker's own certificate) reaches root's tools, on INTERNAL
    when the command line names no brokers; others cannot read it and keep the first listener."""
    name = cluster.hosts('kafka')[0]
    host = cluster.host(name)
    node_file = host.file('/etc/kafka-cli/client.properties')
    assert (node_file.user, node_file.group, node_file.mode) == ('root', 'root', 0o600)
    assert 'security.protocol=SSL' in node_file.content_string
    for user, port in (('root', INTERNAL), ('nobody', PLAINTEXT)):
        assert_the_tools_reach_every_broker_on(cluster, host, port, user)
    # Listing ACLs needs DESCRIBE on the cluster: the broker's certificate is a super user.
    acls = host.run('kafka-acls --list')
    assert acls.rc == 0 and 'Current ACLs for resource' in acls.stdout, acls.stderr[-2000:]
    # Brokers named on the command line keep the settings of their own listener (the course's PLAINTEXT port).
    explicit = host.run('kafka-topics --bootstrap-server %s:%d --list' % (cluster.address(name), PLAINTEXT))
    assert explicit.rc == 0, explicit.stderr[-2000:]


def cluster_operations(cluster, ca, certificate):
    """What the brokers let the holder of this certificate (a PEM file with its key) do to the cluster, on INTERNAL."""
    client = KafkaAdminClient(bootstrap_servers=servers(cluster, INTERNAL), security_protocol='SSL', ssl_cafile=ca,
                              ssl_certfile=certificate)
    try:
        return client.describe_cluster()['authorized_operations']
    finally:
        client.close()


def test_root_on_a_node_without_a_broker_is_a_super_user_with_its_own_certificate(cluster, tls_files, tmp_path):
    """On a ZooKeeper member, root's tools reach INTERNAL with root's own certificate: its key made on the node (root
    only), signed by the collection's CA as kafka-cli-root, which the brokers make a super user. The member's own
    certificate, from the same CA, is not one."""
    name = next(node for node in cluster.hosts('zookeeper') if node not in cluster.hosts('kafka'))
    host = cluster.host(name)
    for path in ('/etc/kafka-cli/tls/node.key', '/etc/kafka-cli/client.properties'):
        node_file = host.file(path)
        assert (node_file.user, node_file.group, node_file.mode) == ('root', 'root', 0o600), path
    assert 'CN = kafka-cli-root' in host.check_output('openssl x509 -in /etc/kafka-cli/tls/node.crt -noout -subject')
    assert host.check_output('openssl pkey -in /etc/kafka-cli/tls/node.key -pubout') == \
        host.check_output('openssl x509 -in /etc/kafka-cli/tls/node.crt -noout -pubkey')
    assert_the_tools_reach_every_broker_on(cluster, host, INTERNAL)
    acls = host.run('kafka-acls --list')
    assert acls.rc == 0 and 'Current ACLs for resource' in acls.stdout, acls.stderr[-2000:]
    # The same from here, and the member's certificate (CN=<member>, its keystore node.pem) for comparison.
    root, member = tmp_path / 'root.pem', tmp_path / 'member.pem'
    root.write_text(host.file('/etc/kafka-cli/tls/node.key').content_string + host.file('/etc/kafka-cli/tls/node.crt').content_string)
    member.write_text(host.file('/etc/zookeeper/tls/node.pem').content_string)
    assert 'ALTER' in cluster_operations(cluster, tls_files['ca.crt'], str(root))
    assert 'ALTER' not in cluster_operations(cluster, tls_files['ca.crt'], str(member))


def test_the_ca_key_never_leaves_the_controller(cluster):
    with open(os.path.join(cluster.ca_dir(), 'ca.key')) as f:
        lines = f.read().splitlines()
    assert lines[0] == '-----BEGIN ENCRYPTED PRIVATE KEY-----'
    # Compressed files (jars, packages, archives) are skipped: a plain-text search cannot see into them.
    skip = ' '.join('--exclude=*.%s' % ext for ext in ('jar', 'deb', 'gz', 'tgz', 'zip', 'whl'))
    for name in cluster.hosts('kafka') + cluster.hosts('zookeeper'):
        found = cluster.host(name).run('grep -rlF %s -e %s /etc /opt /var /root /home /tmp /srv 2>/dev/null' % (skip, lines[1][:40]))
        assert found.stdout == '', (name, found.stdout)


def brokers_acl():
    """The ACL that brokers logged in to ZooKeeper give their znodes (zookeeper.set.acl), sorted."""
    from kazoo.security import ACL as ZkACL, Id, Permissions
    return sorted([ZkACL(Permissions.ALL, Id('sasl', 'kafka')), ZkACL(Permissions.READ, Id('world', 'anyone'))], key=str)


def without_a_brokers_certificate(cluster, acls):
    """The ACL, sorted, without one ALL entry for a broker's certificate: on ZooKeeper's secure port a broker is also
    x509:CN=<its name> (ZooKeeper adds the certificate's identity to the session), which zookeeper.set.acl gives ALL
    on the znodes that broker creates."""
    from kazoo.security import Id, Permissions
    brokers = [Id('x509', 'CN=%s' % name) for name in cluster.hosts('kafka')]
    certificates = [acl for acl in acls if acl.perms == Permissions.ALL and acl.id in brokers]
    assert len(certificates) <= 1, acls
    return sorted([acl for acl in acls if acl not in certificates], key=str)


def test_only_the_brokers_change_kafkas_znodes(cluster, user):
    """zookeeper.set.acl: the brokers (logged in as kafka) own Kafka's znodes; an anonymous client reads
    what Kafka leaves world-readable, changes nothing, and cannot read the SCRAM credentials."""
    from kazoo.exceptions import NoAuthError
    anonymous, broker = zookeeper(cluster.zookeeper_servers()[0]), as_broker(cluster)
    try:
        acls, _ = anonymous.get_acls('/kafka/brokers/ids')
        assert without_a_brokers_certificate(cluster, acls) == brokers_acl()
        assert anonymous.get_children('/kafka/brokers/ids')
        with pytest.raises(NoAuthError):
            anonymous.create('/kafka/config/topics/it-zk-%s' % uuid.uuid4().hex[:6], b'{}')
        with pytest.raises(NoAuthError):
            anonymous.set('/kafka/brokers/ids/%d' % cluster.broker_id(cluster.hosts('kafka')[0]), b'{}')
        credential = '/kafka/config/users/' + user[0]
        with pytest.raises(NoAuthError):
            anonymous.get(credential)
        assert b'SCRAM-SHA-512' in broker.get(credential)[0]
    finally:
        anonymous.stop()
        broker.stop()


def test_brokers_replicate_over_sasl_as_their_own_scram_user(cluster, tls_files, caplog):
    """kafka-broker, stored in ZooKeeper by the role before the brokers first started: readable there by the
    brokers' ZooKeeper user only; its password logs in on BROKERS as a super user, a wrong one does not; and
    every broker's replica fetchers are connected to the others on that port."""
    from kazoo.exceptions import NoAuthError
    from kazoo.security import ACL as ZkACL, Id, Permissions
    anonymous, broker = zookeeper(cluster.zookeeper_servers()[0]), as_broker(cluster)
    try:
        with pytest.raises(NoAuthError):
            anonymous.get(BROKER_CREDENTIAL)
        assert broker.get_acls(BROKER_CREDENTIAL)[0] == [ZkACL(Permissions.ALL, Id('sasl', 'kafka'))]
        assert 'SCRAM-SHA-512' in json.loads(broker.get(BROKER_CREDENTIAL)[0])['config']
    finally:
        anonymous.stop()
        broker.stop()
    password = scenario_secret(cluster, 'kafka-broker.password')
    client = KafkaAdminClient(**scram(cluster, tls_files, 'kafka-broker', password, BROKERS))
    try:
        assert 'ALTER' in client.describe_cluster()['authorized_operations']
    finally:
        client.close()
    reason = refusal(caplog, **scram(cluster, tls_files, 'kafka-broker', 'not-' + password, BROKERS))
    assert 'Authentication failed' in reason or 'disconnected' in reason, reason
    for name in cluster.hosts('kafka'):
        peers = cluster.host(name).check_output("ss -Htn state established '( dport = :%d )'" % BROKERS)
        others = set(cluster.address(other) for other in cluster.hosts('kafka') if other != name)
        assert others <= set(re.findall(r'([0-9.]+):%d' % BROKERS, peers)), (name, peers)


def test_another_password_for_the_brokers_stored_user_is_refused_before_anything_changes(cluster):
    """Running brokers would keep the old password and be refused by the restarted ones: the run stops at the
    stored user, naming the way to rotate; no file, credential or broker changed."""
    brokers = cluster.hosts('kafka')
    reader = as_broker(cluster)
    files = lambda: [cluster.host(name).file('/etc/kafka/server.properties').content_string for name in brokers]
    try:
        before, stored, pids = files(), reader.get(BROKER_CREDENTIAL)[0], cluster.main_pids()
        run = cluster.playbook('playbooks/kafka.yml', extra_vars={'kafka_inter_broker_sasl_password': 'another-password'})
        assert run.rc != 0, run.tail()
        assert 'holds another password for kafka-broker (SCRAM-SHA-512) than kafka_inter_broker_sasl_password' \
            in ' '.join(run.output.split()), run.tail()
        assert (files(), reader.get(BROKER_CREDENTIAL)[0], cluster.main_pids()) == (before, stored, pids)
    finally:
        reader.stop()


def test_zookeeper_members_authenticate_each_other_and_answer_only_whitelisted_words(cluster):
    members = cluster.hosts('zookeeper')
    for name, server in zip(members, cluster.zookeeper_servers()):
        host = cluster.host(name)
        jaas = host.file('/etc/zookeeper/jaas.conf')
        assert (jaas.user, jaas.group, jaas.mode) == ('zookeeper', 'zookeeper', 0o600), name
        config = host.file('/etc/zookeeper/zoo.cfg').content_string
        for line in ('quorum.auth.enableSasl=true', 'quorum.auth.learnerRequireSasl=true',
                     'quorum.auth.serverRequireSasl=true', 'authProvider.sasl='):
            assert line in config, (name, line)
        assert 'is not executed because it is not in the whitelist' in four_letter_word(server, 'conf')
    # Every follower logged in to the leader over the quorum port (ZooKeeper's SaslQuorumAuthServer).
    logins = sum(int(cluster.host(name).run(ZOOKEEPER_LOGS + ' | grep -c "Successfully completed the authentication using SASL"')
                     .stdout.strip() or 0) for name in members)
    assert logins >= len(members) - 1, logins
    for name in cluster.hosts('kafka'):
        for path, owner in (('/etc/kafka/zookeeper-jaas.conf', 'kafka'), ('/etc/kafka-cli/zookeeper-client.properties', 'root')):
            secret = cluster.host(name).file(path)
            assert (secret.user, secret.group, secret.mode) == (owner, owner, 0o600), (name, path)


def test_zookeeper_serves_only_clients_with_a_certificate_on_its_secure_port_and_the_brokers_use_it(cluster, tls_files):
    """zookeeper_tls_enabled: on every member's secure port a plaintext client and a TLS client without a certificate
    get no answer, a client with a node's certificate gets srvr's (the member's certificate checked against its name);
    the member's key and keystore are its own; every broker's ZooKeeper sessions (its own and its ACL authorizer's)
    are on the secure port, none on the plain one."""
    without_certificate, with_certificate = tls_contexts(tls_files)

    def answer(server, name, context=None):
        try:
            return (four_letter_word(server, context=context, hostname=name).splitlines() or ['connection closed'])[0]
        except OSError as error:  # ssl.SSLError and timeouts included
            return repr(error)

    seen = {}
    for name in cluster.hosts('zookeeper'):
        server = '%s:%d' % (cluster.address(name), ZOOKEEPER_TLS)
        seen[name] = {'plaintext': answer(server, name), 'TLS without a certificate': answer(server, name, without_certificate),
                      "TLS with a node's certificate": answer(server, name, with_certificate)}
        assert seen[name]["TLS with a node's certificate"].startswith('Zookeeper version:'), (name, seen[name])
        assert not any(text.startswith('Zookeeper version:') for what, text in seen[name].items() if 'node' not in what), seen
        for path in ('/etc/zookeeper/tls/node.key', '/etc/zookeeper/tls/node.pem'):
            secret = cluster.host(name).file(path)
            assert (secret.user, secret.group, secret.mode) == ('zookeeper', 'zookeeper', 0o600), (name, path)
    for name in cluster.hosts('kafka'):
        host = cluster.host(name)
        sessions = {port: host.check_output("ss -Htn state established '( dport = :%d )'" % port).splitlines()
                    for port in (ZOOKEEPER_TLS, ZOOKEEPER_PLAIN)}
        assert len(sessions[ZOOKEEPER_TLS]) >= 2 and not sessions[ZOOKEEPER_PLAIN], (name, sessions)
    record('ZooKeeper secure port %d: %s; every broker\'s sessions on it, none on %d' % (
        ZOOKEEPER_TLS, listed(seen[cluster.hosts('zookeeper')[0]]), ZOOKEEPER_PLAIN))


def test_a_member_that_requires_sasl_refuses_anonymous_clients(cluster):
    """zookeeper_sasl_required on one member (zookeeper.yml --limit: one gated restart): a client that does
    not log in is refused there; logins, the brokers' included, still work. Then the member is put back."""
    from kazoo.exceptions import SessionClosedRequireSaslError
    member = cluster.hosts('zookeeper')[-1]
    server = '%s:2181' % cluster.address(member)
    run = cluster.playbook('playbooks/zookeeper.yml', '--limit', member, extra_vars={'zookeeper_sasl_required': True})
    try:
        assert run.rc == 0, run.tail()
        assert 'enforce.auth.enabled=true' in cluster.host(member).file('/etc/zookeeper/zoo.cfg').content_string
        anonymous = zookeeper(server)
        logged_in = as_broker(cluster, server)
        try:
            with pytest.raises(SessionClosedRequireSaslError):
                anonymous.get_children('/kafka/brokers/ids')
            assert sorted(logged_in.get_children('/kafka/brokers/ids')) \
                == sorted(str(cluster.broker_id(name)) for name in cluster.hosts('kafka'))
        finally:
            anonymous.stop()
            logged_in.stop()
    finally:
        back = cluster.playbook('playbooks/zookeeper.yml', '--limit', member)
        assert back.rc == 0, back.tail()


def test_zookeeper_refuses_to_require_sasl_while_a_registered_broker_has_not_logged_in(cluster):
    """The preflight reads the ACL of each broker's registration: one made without a login (world only) stops
    zookeeper_sasl_required before anything changes. Registrations of a chroot of this test's own: one as the
    brokers make them (logged in, zookeeper.set.acl), the others anonymous."""
    member = cluster.hosts('zookeeper')[-1]
    chroot = '/it-registrations-%s' % uuid.uuid4().hex[:6]
    ids = [cluster.broker_id(name) for name in cluster.hosts('kafka')]
    client = as_broker(cluster)
    pid = 'systemctl show --property=MainPID --value zookeeper'
    config, before = cluster.host(member).file('/etc/zookeeper/zoo.cfg').content_string, cluster.host(member).check_output(pid)
    try:
        client.create('%s/brokers/ids/%d' % (chroot, ids[0]), b'{}', makepath=True,
                      acl=brokers_acl())
        for broker_id in ids[1:]:
            client.create('%s/brokers/ids/%d' % (chroot, broker_id), b'{}')
        run = cluster.playbook('playbooks/zookeeper.yml', '--limit', member,
                               extra_vars={'zookeeper_sasl_required': True, 'kafka_zookeeper_chroot': chroot})
    finally:
        client.delete(chroot, recursive=True)
        client.stop()
    assert run.rc != 0, run.tail()
    named = re.search(r'would cut off the running brokers with the ids ([0-9, ]+):', run.output)
    assert named and sorted(named.group(1).split(', ')) == sorted(str(broker_id) for broker_id in ids[1:]), run.tail()
    assert cluster.host(member).file('/etc/zookeeper/zoo.cfg').content_string == config
    assert cluster.host(member).check_output(pid) == before


def open_znodes(cluster):
    """Two znodes of Kafka's open to anyone, as brokers that had not logged in yet would have left them:
    a root's ACL opened, and a new child of another root."""
    from kazoo.security import OPEN_ACL_UNSAFE
    client = as_broker(cluster)
    try:
        child = '/kafka/admin/it-open-%s' % uuid.uuid4().hex[:6]
        client.set_acls('/kafka/cluster', OPEN_ACL_UNSAFE)
        client.create(child, b'', acl=OPEN_ACL_UNSAFE)
        return ['/kafka/cluster', child]
    finally:
        client.stop()


def test_a_renewal_restarts_brokers_one_at_a_time_under_load_and_leaks_no_secret(cluster, admin):
    """Certificates within kafka_tls_renew_days of expiry are signed again (400 > 365 days: all of them),
    each broker restarts behind the gates while an acks=all producer runs, nothing acknowledged is lost;
    the same run secures the znodes left open with Kafka's zookeeper-security-migration; the run's
    -vvv --diff output, the command lines sampled during it, the journal and the service logs hold neither
    the CA's passphrase, nor a broker's key, nor a ZooKeeper password."""
    brokers = cluster.hosts('kafka')
    opened = open_znodes(cluster)
    serial = 'openssl x509 -in /etc/kafka/tls/node.crt -noout -serial'
    serials, pids = {name: cluster.host(name).check_output(serial) for name in brokers}, cluster.main_pids()
    topic = 'it-renewal-%s' % uuid.uuid4().hex[:6]
    admin.create_topics([NewTopic(topic, 3, 3, topic_configs={'min.insync.replicas': '2'})])
    since = cluster.host(brokers[0]).check_output('date "+%Y-%m-%d %H:%M:%S"')
    load, sampler = LoadGenerator(servers(cluster, PLAINTEXT), topic).start(), CommandLines(cluster, brokers)
    sampler.start()
    try:
        run = cluster.playbook('playbooks/kafka.yml', '-vvv', '--diff', extra_vars={'kafka_tls_renew_days': 400})
    finally:
        command_lines = sampler.stop()
        load.stop()
    assert run.rc == 0, run.tail()
    figures = check(load, servers(cluster, PLAINTEXT))
    record('renewal under load: %s, longest gap %.1f s, %d command-line samples'
           % (figures, load.longest_gap(), sampler.samples), first=True)
    assert figures['acked'] > 0 and figures['lost'] == 0 and figures['duplicates'] == 0, figures
    after = cluster.main_pids()
    for name in brokers:
        assert cluster.host(name).check_output(serial) != serials[name], name
        assert after[name] != pids[name], name
        assert 'Read the cluster state before restarting %s' % name in run.output
    # One at a time: each broker's gate comes after the previous broker's restart.
    order = [run.output.index('Read the cluster state after restarting %s' % name) for name in brokers]
    assert len(set(order)) == len(brokers)
    reader = as_broker(cluster)
    try:
        secured = dict((path, without_a_brokers_certificate(cluster, reader.get_acls(path)[0])) for path in opened)
        reader.delete(opened[1])
    finally:
        reader.stop()
    migration = run.output.split('(zookeeper-security-migration)]')[1].split('TASK [')[0]
    assert 'changed: [' in migration, migration[-2000:]
    assert secured == dict((path, brokers_acl()) for path in opened)

    hits = secret_hits(cluster, scenario_secrets(cluster), {'ansible output': run.output, 'command lines': command_lines}, since)
    assert hits == {}
    admin.delete_topics([topic])
