# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The thin layer between user plans and the cluster: the SCRAM login, how answers are read, applying.

``FakeAdmin`` answers in kafka-python 3.0.12's shapes (kafka/admin/_users.py) and keeps what a
broker keeps: per user and mechanism the salt, the iterations and the salted password that
kafka-python's upsertion derived. ``FakeBroker`` speaks the server side of SCRAM (RFC 5802) with
those credentials, so the client side that ``scram_login`` runs is checked against real proofs. The
real broker is the integration test's job (tests/integration/test_users.py).
"""

import base64
import hashlib
import hmac

import pytest
from kafka.admin import ScramMechanism, UserScramCredentialDeletion, UserScramCredentialUpsertion
from kafka.protocol.sasl import SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_user_apply
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaModuleError
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import ApplyError
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_apply import (
    Applier, LoginError, check_logins, read_credentials, run_users, sasl_name, scram_login)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_plan import build_plan, declare

SECRET = 'S3cret-never-shown'
OTHER = 'An0ther-secret'
LOGIN = {'servers': [('k1', 9093)], 'security_protocol': 'SASL_PLAINTEXT', 'ssl_cafile': None,
         'ssl_check_hostname': True, 'timeout': 5}
HASHES = {'SCRAM-SHA-256': hashlib.sha256, 'SCRAM-SHA-512': hashlib.sha512}


class FakeAdmin:
    """KafkaAdmin over an in-memory credential store {user: {mechanism: (salt, iterations, salted)}}.
    ``refuse`` {user: message} makes the broker refuse that user's alterations."""

    retries, timeout_ms = 0, 1000

    def __init__(self, refuse=None):
        self.store = {}
        self.refuse = refuse or {}
        self.calls = []
        self.closed = False

    def set(self, user, mechanism, password, iterations=4096):
        u = UserScramCredentialUpsertion(user, mechanism, password, iterations=iterations)
        self.store.setdefault(user, {})[mechanism] = (u.salt, u.iterations, u.salted_password)

    def call(self, method, *args, **kwargs):
        self.calls.append(method)
        return getattr(self, method)(*args)

    def describe_user_scram_credentials(self, users=None):
        assert users is None
        return dict((user, {'error': None, 'credential_infos': [
            {'mechanism': ScramMechanism[m.replace('-', '_')], 'iterations': c[1]} for m, c in sorted(creds.items())]})
            for user, creds in self.store.items() if creds)

    def alter_user_scram_credentials(self, alterations):
        by_user = {}
        for alt in alterations:
            by_user.setdefault(alt.user, []).append(alt)
        results = {}
        for user, alts in by_user.items():
            if user in self.refuse:
                results[user] = self.refuse[user]
                continue
            for alt in alts:
                mechanism = alt.mechanism.name.replace('_', '-')
                if isinstance(alt, UserScramCredentialDeletion):
                    if mechanism not in self.store.get(user, {}):
                        results[user] = 'Attempt to delete a user credential that does not exist'
                        break
                    del self.store[user][mechanism]
                else:
                    assert isinstance(alt, UserScramCredentialUpsertion)
                    self.store.setdefault(user, {})[mechanism] = (alt.salt, alt.iterations, alt.salted_password)
            else:
                results[user] = None
        return results

    def close(self):
        self.closed = True

    def login(self, login, user, password, mechanism):
        """A login_fn: the verdict a broker with this store gives."""
        credential = self.store.get(user, {}).get(mechanism)
        if credential is None:
            return False
        salt, iterations, salted = credential
        return hashlib.pbkdf2_hmac(HASHES[mechanism]().name, password.encode(), salt, iterations) == salted


class FakeBroker:
    """The server side of a SASL/SCRAM login on one connection: answers the requests that
    ``_exchange`` would send, from the credentials of a FakeAdmin."""

    def __init__(self, admin, mechanisms=('SCRAM-SHA-256', 'SCRAM-SHA-512'), handshake_error=0,
                 bad_signature=False):
        self.admin = admin
        self.mechanisms = list(mechanisms)
        self.handshake_error = handshake_error
        self.bad_signature = bad_signature
        self.sent_names = []

    def exchange(self, sock, parser, request):
        if isinstance(request, SaslHandshakeRequest):
            self.mechanism = request.mechanism
            return SaslHandshakeResponse(error_code=self.handshake_error, mechanisms=self.mechanisms, version=1)
        message = request.auth_bytes.decode()
        if message.startswith('n,,'):
            return self.first(message[3:])
        return self.final(message)

    def refuse(self):
        return SaslAuthenticateResponse(
            error_code=58, error_message='Authentication failed during authentication due to invalid credentials '
            'with SASL mechanism %s' % self.mechanism, auth_bytes=b'', session_lifetime_ms=0, version=1)

    def first(self, bare):
        fields = dict(f.split('=', 1) for f in bare.split(','))
        name = fields['n'].replace('=2C', ',').replace('=3D', '=')
        self.sent_names.append(fields['n'])
        self.credential = self.admin.store.get(name, {}).get(self.mechanism)
        if self.credential is None:
            return self.refuse()
        salt, iterations, _ = self.credential
        self.nonce = fields['r'] + 'server'
        self.server_first = 'r=%s,s=%s,i=%d' % (self.nonce, base64.b64encode(salt).decode(), iterations)
        self.client_first_bare = bare
        return SaslAuthenticateResponse(error_code=0, error_message=None, auth_bytes=self.server_first.encode(),
                                        session_lifetime_ms=0, version=1)

    def final(self, message):
        digest = HASHES[self.mechanism]
        fields = dict(f.split('=', 1) for f in message.split(','))
        without_proof = message.rsplit(',p=', 1)[0]
        auth_message = ','.join((self.client_first_bare, self.server_first, without_proof)).encode()
        salted = self.credential[2]
        stored_key = digest(hmac.new(salted, b'Client Key', digest).digest()).digest()
        signature = hmac.new(stored_key, auth_message, digest).digest()
        client_key = bytes(a ^ b for a, b in zip(base64.b64decode(fields['p']), signature))
        if fields['r'] != self.nonce or digest(client_key).digest() != stored_key:
            return self.refuse()
        server_key = hmac.new(salted, b'Server Key', digest).digest()
        verifier = hmac.new(server_key, auth_message, digest).digest()
        if self.bad_signature:
            verifier = bytes(len(verifier))
        return SaslAuthenticateResponse(error_code=0, error_message=None,
                                        auth_bytes=b'v=' + base64.b64encode(verifier), session_lifetime_ms=0,
                                        version=1)


class FakeSocket:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True


@pytest.fixture
def broker(monkeypatch):
    """Route scram_login's connections to a FakeBroker; ``unreachable`` servers refuse to connect."""
    def use(fake, unreachable=()):
        sockets = []

        def open_(host, port, login):
            if (host, port) in unreachable:
                raise ConnectionRefusedError(111, 'Connection refused')
            sockets.append(FakeSocket())
            return sockets[-1]
        monkeypatch.setattr(kafka_user_apply, '_open', open_)
        monkeypatch.setattr(kafka_user_apply, '_exchange', fake.exchange)
        fake.sockets = sockets
        return fake
    return use


def users_of(*entries):
    users, errors = declare(list(entries))
    assert errors == []
    return users


def entry(name='alice', mechanisms=None, password=SECRET, iterations=4096, state='present'):
    return {'name': name, 'mechanisms': mechanisms, 'password': password, 'iterations': iterations, 'state': state}


# ---------------------------------------------------------------- the login

def test_sasl_name_escapes_what_scram_reserves():
    assert sasl_name('a,b=c') == 'a=2Cb=3Dc'
    assert sasl_name('alice') == 'alice'


@pytest.mark.parametrize('mechanism', ['SCRAM-SHA-256', 'SCRAM-SHA-512'])
def test_a_login_with_the_right_password_is_accepted_and_a_wrong_one_refused(broker, mechanism):
    admin = FakeAdmin()
    admin.set('a,b=c', mechanism, SECRET)
    fake = broker(FakeBroker(admin))
    assert scram_login(LOGIN, 'a,b=c', SECRET, mechanism) is True
    assert scram_login(LOGIN, 'a,b=c', OTHER, mechanism) is False
    assert scram_login(LOGIN, 'nobody', SECRET, mechanism) is False
    assert fake.sent_names == ['a=2Cb=3Dc', 'a=2Cb=3Dc', 'nobody']
    assert all(s.closed for s in fake.sockets) and len(fake.sockets) == 3


def test_the_first_server_that_answers_decides(broker):
    admin = FakeAdmin()
    admin.set('alice', 'SCRAM-SHA-512', SECRET)
    broker(FakeBroker(admin), unreachable=[('k1', 9093)])
    login = dict(LOGIN, servers=[('k1', 9093), ('k2', 9093)])
    assert scram_login(login, 'alice', SECRET, 'SCRAM-SHA-512') is True


def test_no_server_answering_is_an_error_not_a_verdict(broker):
    broker(FakeBroker(FakeAdmin()), unreachable=[('k1', 9093), ('k2', 9093)])
    with pytest.raises(LoginError) as e:
        scram_login(dict(LOGIN, servers=[('k1', 9093), ('k2', 9093)]), 'alice', SECRET, 'SCRAM-SHA-512')
    assert str(e.value) == ('no login server gave an answer (SCRAM-SHA-512 over SASL_PLAINTEXT): '
                            'k1:9093: [Errno 111] Connection refused; k2:9093: [Errno 111] Connection refused')


def test_a_listener_without_the_mechanism_is_an_error(broker):
    broker(FakeBroker(FakeAdmin(), mechanisms=['PLAIN']))
    with pytest.raises(LoginError) as e:
        scram_login(LOGIN, 'alice', SECRET, 'SCRAM-SHA-512')
    assert str(e.value) == ('k1:9093: the listener does not accept SCRAM-SHA-512 (SaslHandshake error 0, enabled '
                            'mechanisms: PLAIN); is it a SASL listener with sasl.enabled.mechanisms including '
                            'SCRAM-SHA-512?')


def test_a_refused_handshake_is_an_error(broker):
    broker(FakeBroker(FakeAdmin(), mechanisms=[], handshake_error=33))
    with pytest.raises(LoginError) as e:
        scram_login(LOGIN, 'alice', SECRET, 'SCRAM-SHA-256')
    assert 'SaslHandshake error 33, enabled mechanisms: none' in str(e.value)


def test_a_broker_that_cannot_prove_the_credential_is_an_error(broker):
    admin = FakeAdmin()
    admin.set('alice', 'SCRAM-SHA-256', SECRET)
    broker(FakeBroker(admin, bad_signature=True))
    with pytest.raises(LoginError) as e:
        scram_login(LOGIN, 'alice', SECRET, 'SCRAM-SHA-256')
    assert str(e.value).startswith('k1:9093: the broker accepted the login but its server signature is wrong')


def test_a_connection_lost_during_the_exchange_tries_the_next_server(monkeypatch):
    admin = FakeAdmin()
    admin.set('alice', 'SCRAM-SHA-256', SECRET)
    good = FakeBroker(admin)
    monkeypatch.setattr(kafka_user_apply, '_open', lambda host, port, login: FakeSocket())

    def exchange(sock, parser, request):
        if exchange.lost:
            exchange.lost = False
            raise ConnectionError('the broker closed the connection')
        return good.exchange(sock, parser, request)
    exchange.lost = True
    monkeypatch.setattr(kafka_user_apply, '_exchange', exchange)
    assert scram_login(dict(LOGIN, servers=[('k1', 9093), ('k2', 9093)]), 'alice', SECRET, 'SCRAM-SHA-256') is True


def test_check_logins_turns_an_undecided_login_into_a_failure_that_changed_nothing():
    def login_fn(login, user, password, mechanism):
        raise LoginError('k1:9093: timed out')
    with pytest.raises(KafkaModuleError) as e:
        check_logins(LOGIN, users_of(entry()), [('alice', 'SCRAM-SHA-512')], login_fn)
    assert e.value.msg == ("Cannot verify the password of user 'alice' (SCRAM-SHA-512) by a login, nothing was "
                           "changed: k1:9093: timed out")


# ---------------------------------------------------------------- reading

def test_read_credentials_in_the_module_s_names():
    admin = FakeAdmin()
    admin.set('alice', 'SCRAM-SHA-512', SECRET, 8192)
    admin.set('alice', 'SCRAM-SHA-256', SECRET)
    assert read_credentials(admin) == {'alice': {'SCRAM-SHA-256': 4096, 'SCRAM-SHA-512': 8192}}


def test_a_user_error_in_the_description_changes_nothing():
    class Broken(FakeAdmin):
        def describe_user_scram_credentials(self, users=None):
            return {'x': {'error': 'Attempt to describe a user credential that does not exist: x',
                          'credential_infos': []}}
    with pytest.raises(KafkaModuleError) as e:
        read_credentials(Broken())
    assert e.value.msg == ("Cannot read the SCRAM credentials, nothing was changed: user 'x': Attempt to describe "
                           "a user credential that does not exist: x")


# ---------------------------------------------------------------- applying

def test_applies_everything_in_one_request_then_verifies_by_description_and_login():
    admin = FakeAdmin()
    admin.set('alice', 'SCRAM-SHA-512', OTHER)
    admin.set('alice', 'SCRAM-SHA-256', SECRET)
    admin.set('old', 'SCRAM-SHA-256', SECRET)
    users = users_of(entry(), entry(name='bob', iterations=8192), entry(name='old', state='absent'))
    current = read_credentials(admin)
    plan = build_plan(users, current, {('alice', 'SCRAM-SHA-512'): False})
    logins = []

    def login_fn(login, user, password, mechanism):
        logins.append((user, mechanism))
        return admin.login(login, user, password, mechanism)
    applier = Applier(admin, plan, users, LOGIN, wait_timeout=0, login_fn=login_fn)
    applier.run()
    assert admin.calls == ['describe_user_scram_credentials', 'alter_user_scram_credentials',
                           'describe_user_scram_credentials']
    assert read_credentials(admin) == {'alice': {'SCRAM-SHA-512': 4096}, 'bob': {'SCRAM-SHA-512': 8192}}
    assert admin.login(LOGIN, 'alice', SECRET, 'SCRAM-SHA-512') and admin.login(LOGIN, 'bob', SECRET, 'SCRAM-SHA-512')
    assert logins == [('alice', 'SCRAM-SHA-512'), ('bob', 'SCRAM-SHA-512')]
    assert applier.applied == plan['changes'] and applier.warnings == []
    assert [(c['user'], c['mechanism'], c['action']) for c in applier.applied] == [
        ('alice', 'SCRAM-SHA-256', 'delete'), ('alice', 'SCRAM-SHA-512', 'update'),
        ('bob', 'SCRAM-SHA-512', 'create'), ('old', 'SCRAM-SHA-256', 'delete')]


def test_without_a_login_listener_the_description_is_the_verification():
    admin = FakeAdmin()
    users = users_of(entry())
    plan = build_plan(users, {}, {}, 'on_create')

    def login_fn(*args):
        raise AssertionError('no login without a login listener')
    Applier(admin, plan, users, None, wait_timeout=0, login_fn=login_fn).run()
    assert admin.login(LOGIN, 'alice', SECRET, 'SCRAM-SHA-512')


def test_a_refused_user_is_named_and_the_others_are_applied():
    admin = FakeAdmin(refuse={'bob': 'Too few iterations'})
    users = users_of(entry(), entry(name='bob'))
    plan = build_plan(users, {}, {})
    applier = Applier(admin, plan, users, None, wait_timeout=0)
    with pytest.raises(ApplyError) as e:
        applier.run()
    assert str(e.value) == "user 'bob': create of SCRAM-SHA-512 failed: Too few iterations"
    assert [c['user'] for c in applier.applied] == ['alice'] and list(admin.store) == ['alice']


def test_a_user_the_broker_does_not_answer_for_is_a_failure():
    class Silent(FakeAdmin):
        def alter_user_scram_credentials(self, alterations):
            return {}
    users = users_of(entry())
    with pytest.raises(ApplyError) as e:
        Applier(Silent(), build_plan(users, {}, {}), users, None, wait_timeout=0).run()
    assert str(e.value) == "user 'alice': create of SCRAM-SHA-512 failed: the broker gave no answer for this user"


def test_a_credential_already_gone_when_deleted_is_a_warning():
    admin = FakeAdmin()
    plan = {'upserts': [], 'deletes': [('old', 'SCRAM-SHA-256')], 'warnings': [],
            'changes': [{'user': 'old', 'mechanism': 'SCRAM-SHA-256', 'action': 'delete', 'reason': 'state is absent'}]}
    applier = Applier(admin, plan, {}, None, wait_timeout=0)
    applier.run()
    assert applier.warnings == ["user 'old' had no credential left to delete: Attempt to delete a user credential "
                                "that does not exist"]


def test_a_new_credential_the_brokers_keep_refusing_fails_the_run():
    admin = FakeAdmin()
    users = users_of(entry())
    applier = Applier(admin, build_plan(users, {}, {}), users, LOGIN, wait_timeout=0,
                      login_fn=lambda *args: False)
    with pytest.raises(ApplyError) as e:
        applier.run()
    assert str(e.value) == ('timed out after 0s waiting for a login with every new credential to be accepted: '
                            'alice SCRAM-SHA-512')
    assert len(applier.applied) == 1


def test_a_change_the_cluster_does_not_show_fails_the_run():
    class Forgetful(FakeAdmin):
        def alter_user_scram_credentials(self, alterations):
            return dict((a.user, None) for a in alterations)
    users = users_of(entry())
    with pytest.raises(ApplyError) as e:
        Applier(Forgetful(), build_plan(users, {}, {}), users, None, wait_timeout=0).run()
    assert str(e.value) == ('timed out after 0s waiting for the cluster to show the changed SCRAM credentials: '
                            'alice SCRAM-SHA-512')


# ---------------------------------------------------------------- one run

PARAMS = {'wait_timeout': 0, 'update_password': 'always'}


@pytest.fixture
def cluster(monkeypatch):
    """Make run_users connect to the FakeAdmin it returns."""
    def use(admin):
        monkeypatch.setattr(kafka_user_apply, 'connect_admin', lambda params: admin)
        return admin
    return use


def test_check_mode_logs_in_returns_the_plan_and_changes_nothing(cluster):
    admin = cluster(FakeAdmin())
    admin.set('alice', 'SCRAM-SHA-512', OTHER)
    admin.set('carol', 'SCRAM-SHA-512', SECRET)
    before = dict((u, dict(c)) for u, c in admin.store.items())
    users = users_of(entry(), entry(name='bob'), entry(name='carol'))
    result, warnings = run_users(PARAMS, users, None, LOGIN, check_mode=True, with_diff=True, login_fn=admin.login)
    assert admin.calls == ['describe_user_scram_credentials'] and admin.closed
    assert admin.store == before
    assert [(c['user'], c['action'], c['reason']) for c in result['changes']] == [
        ('alice', 'update', 'password differs: a login with the declared password was refused'),
        ('bob', 'create', 'no credential')]
    assert result['diff']['after'] == ('alice: SCRAM-SHA-512 (4096 iterations, new password)\n'
                                       'bob: SCRAM-SHA-512 (4096 iterations)\n'
                                       'carol: SCRAM-SHA-512 (4096 iterations)\n')
    assert warnings == []


def test_a_real_run_then_a_second_one_changes_nothing(cluster):
    admin = cluster(FakeAdmin())
    admin.set('alice', 'SCRAM-SHA-512', OTHER)
    users = users_of(entry(), entry(name='bob', mechanisms=['SCRAM-SHA-256', 'SCRAM-SHA-512']))
    first, _ = run_users(PARAMS, users, None, LOGIN, login_fn=admin.login)
    second, _ = run_users(PARAMS, users, None, LOGIN, login_fn=admin.login)
    assert first['changed'] is True and len(first['changes']) == 3
    assert second == {'changed': False, 'changes': []}
    assert SECRET not in repr(first) and OTHER not in repr(first)


def test_a_prune_above_the_maximum_changes_nothing(cluster):
    admin = cluster(FakeAdmin())
    admin.set('app-a', 'SCRAM-SHA-512', SECRET)
    admin.set('app-b', 'SCRAM-SHA-512', SECRET)
    prune = {'prefix': 'app-', 'regex': None, 'max_deletions': 1, 'protected': []}
    with pytest.raises(KafkaModuleError) as e:
        run_users(PARAMS, {}, prune, None)
    assert e.value.msg == ('Invalid input, nothing was changed: prune: would delete the credentials of 2 users, more '
                           'than prune_max_deletions (1): app-a, app-b')
    assert admin.calls == ['describe_user_scram_credentials'] and len(admin.store) == 2


def test_a_failure_after_changes_began_says_what_was_applied(cluster):
    cluster(FakeAdmin(refuse={'bob': 'Too many iterations'}))
    users = users_of(entry(), entry(name='bob'))
    with pytest.raises(KafkaModuleError) as e:
        run_users(PARAMS, users, None, None)
    assert e.value.msg == ("Failed after applying 1 SCRAM credential changes (see applied): user 'bob': create of "
                           "SCRAM-SHA-512 failed: Too many iterations")
    assert e.value.result['changed'] is True
    assert [c['user'] for c in e.value.result['applied']] == ['alice']
    assert len(e.value.result['changes']) == 2


def test_an_unreadable_cluster_changes_nothing(cluster):
    class Denied(FakeAdmin):
        def describe_user_scram_credentials(self, users=None):
            raise RuntimeError('CLUSTER_AUTHORIZATION_FAILED')
    admin = cluster(Denied())
    with pytest.raises(KafkaModuleError) as e:
        run_users(PARAMS, {}, None, None)
    assert e.value.msg == 'Cannot read the SCRAM credentials, nothing was changed: CLUSTER_AUTHORIZATION_FAILED'
    assert admin.closed
