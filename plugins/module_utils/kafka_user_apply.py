# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""One run of kafka_users against the cluster: read the SCRAM credentials, log in as the users
whose password must be checked, plan (kafka_user_plan), apply, verify.

The Admin API tells which mechanisms and iteration counts a user has, never a password or a hash.
Whether an existing credential already holds the declared password is decided by a real SASL/SCRAM
login as that user with that password (``scram_login``): the broker accepts it or refuses it with
SASL_AUTHENTICATION_FAILED. Any other outcome (listener unreachable, mechanism not enabled, TLS
failure, a broker that proves nothing) is an error, never a guess.

The password goes only into the PBKDF2 of kafka-python's credential upsertion and of the SCRAM
client exchange, in this process: never into a command line, a message or a log.
"""

from __future__ import annotations

import socket
import ssl
import traceback

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    KafkaModuleError, apply_reporting, connect)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import ApplyError, wait_until
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import INVALID
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_plan import (
    MECHANISMS, PlanError, build_plan, diff, logins_needed)

try:
    import kafka.errors as Errors
    from kafka.admin import UserScramCredentialDeletion, UserScramCredentialUpsertion
    from kafka.protocol.admin import AlterUserScramCredentialsRequest
    from kafka.net.sasl.scram import ScramClient
    from kafka.protocol.parser import KafkaProtocol
    from kafka.protocol.sasl import SaslAuthenticateRequest, SaslHandshakeRequest
except ImportError:
    # connect() reports the missing library before any of these is used.
    Errors = UserScramCredentialDeletion = UserScramCredentialUpsertion = ScramClient = None
    AlterUserScramCredentialsRequest = None
    KafkaProtocol = SaslAuthenticateRequest = SaslHandshakeRequest = None

# Kafka's error code for a refused SASL authentication (SaslAuthenticationException).
SASL_AUTHENTICATION_FAILED = 58
CLIENT_ID = 'ansible-kafka-users'


class LoginError(Exception):
    """A login that decided nothing: the password can be neither confirmed nor refuted."""


def sasl_name(user):
    """The user name as SCRAM sends it (RFC 5802 ``saslname``: ``=`` and ``,`` escaped); Kafka
    unescapes it. kafka-python 3.0.12's ScramClient sends the name as given."""
    return user.replace('=', '=3D').replace(',', '=2C')


def _exchange(sock, parser, request):
    """Send one request and read its response from a blocking socket."""
    parser.send_request(request)
    sock.sendall(parser.send_bytes())
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError('the broker closed the connection')
        responses = parser.receive_bytes(data)
        if responses:
            return responses[0][1]


def _open(host, port, login):
    sock = socket.create_connection((host, port), timeout=login['timeout'])
    if login['security_protocol'] != 'SASL_SSL':
        return sock
    context = ssl.create_default_context(cafile=login['ssl_cafile'])
    context.check_hostname = bool(login['ssl_check_hostname'])
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except Exception:
        sock.close()
        raise


def _authenticate(sock, user, password, mechanism):
    """True if the broker accepts the login, False if it refuses it; LoginError otherwise."""
    parser = KafkaProtocol(client_id=CLIENT_ID)
    handshake = _exchange(sock, parser, SaslHandshakeRequest(mechanism=mechanism, version=1))
    if handshake.error_code or mechanism not in handshake.mechanisms:
        raise LoginError('the listener does not accept %s (SaslHandshake error %d, enabled mechanisms: %s); is it '
                         'a SASL listener with sasl.enabled.mechanisms including %s?'
                         % (mechanism, handshake.error_code, ', '.join(handshake.mechanisms or []) or 'none',
                            mechanism))
    client = ScramClient(sasl_name(user), password, mechanism)
    first = _exchange(sock, parser, SaslAuthenticateRequest(auth_bytes=client.first_message(), version=1))
    if first.error_code == SASL_AUTHENTICATION_FAILED:
        return False
    if first.error_code:
        raise LoginError('SaslAuthenticate error %d: %s' % (first.error_code, first.error_message))
    try:
        client.process_server_first_message(first.auth_bytes)
    except (ValueError, KeyError) as e:
        raise LoginError('the broker answered the SCRAM exchange wrongly: %s' % e)
    final = _exchange(sock, parser, SaslAuthenticateRequest(auth_bytes=client.final_message(), version=1))
    if final.error_code == SASL_AUTHENTICATION_FAILED:
        return False
    if final.error_code:
        raise LoginError('SaslAuthenticate error %d: %s' % (final.error_code, final.error_message))
    try:
        client.process_server_final_message(final.auth_bytes)
    except (ValueError, KeyError) as e:
        # the broker accepted the proof, but cannot prove that it knows the credential
        raise LoginError('the broker accepted the login but its server signature is wrong: %s' % e)
    return True


def scram_login(login, user, password, mechanism):
    """Log in as ``user`` with ``password`` over ``mechanism`` on the first login server that
    answers: True (accepted) or False (refused, SASL_AUTHENTICATION_FAILED). LoginError when no
    server gives a verdict."""
    problems = []
    for host, port in login['servers']:
        try:
            sock = _open(host, port, login)
        except (OSError, ssl.SSLError) as e:
            problems.append('%s:%d: %s' % (host, port, e))
            continue
        try:
            return _authenticate(sock, user, password, mechanism)
        except LoginError as e:
            raise LoginError('%s:%d: %s' % (host, port, e))
        except (OSError, ssl.SSLError) as e:
            problems.append('%s:%d: %s' % (host, port, e))
        except Exception as e:  # a response that cannot be decoded: not a Kafka SASL listener
            problems.append('%s:%d: %s: %s' % (host, port, type(e).__name__, e))
        finally:
            sock.close()
    raise LoginError('no login server gave an answer (%s over %s): %s'
                     % (mechanism, login['security_protocol'], '; '.join(problems)))


def read_credentials(admin):
    """{user: {mechanism: iterations}} of every user with SCRAM credentials (one request)."""
    described = admin.call('describe_user_scram_credentials')
    current, errors = {}, []
    for user, info in described.items():
        if info.get('error'):
            errors.append('user %r: %s' % (user, info['error']))
            continue
        credentials = dict((ci['mechanism'].name.replace('_', '-'), ci['iterations'])
                           for ci in info['credential_infos'])
        current[user] = dict((m, i) for m, i in credentials.items() if m in MECHANISMS)
    if errors:
        raise KafkaModuleError('Cannot read the SCRAM credentials, nothing was changed: ' + '; '.join(errors))
    return current


def check_logins(login, users, needed, login_fn=None):
    """{(user, mechanism): accepted} for the credentials in ``needed``. Raises KafkaModuleError
    (nothing changed) when a login decides nothing."""
    login_fn = login_fn or scram_login
    results = {}
    for name, mechanism in needed:
        try:
            results[(name, mechanism)] = login_fn(login, name, users[name].password, mechanism)
        except LoginError as e:
            raise KafkaModuleError('Cannot verify the password of user %r (%s) by a login, nothing was changed: %s'
                                   % (name, mechanism, e))
    return results


def alter_on_controller(client):
    """``alter_user_scram_credentials`` for ``client`` that works on a ZooKeeper-mode cluster.

    kafka-python 3.0 sends the request to any broker and takes an error without a message for
    success; in ZooKeeper mode only the controller stores credentials, the other brokers answer
    NOT_CONTROLLER and store nothing. The same request, sent to the controller, every code read."""
    def alter(alterations):
        request = AlterUserScramCredentialsRequest(
            deletions=[(a.user, int(a.mechanism)) for a in alterations if isinstance(a, UserScramCredentialDeletion)],
            upsertions=[(a.user, int(a.mechanism), a.iterations, a.salt, a.salted_password)
                        for a in alterations if isinstance(a, UserScramCredentialUpsertion)])
        response = client._manager.run(client._send_request_to_controller, request,
                                       lambda r: [Errors.for_code(result.error_code) for result in r.results], False)
        return dict((result.user, (result.error_message or Errors.for_code(result.error_code).__name__)
                     if result.error_code else None) for result in response.results)
    return alter


def connect_admin(params):
    """The admin connection, its credential changes sent to the controller."""
    admin = connect(params)
    admin.client.alter_user_scram_credentials = alter_on_controller(admin.client)
    return admin


class Applier:
    """Sends every upsertion and deletion in one AlterUserScramCredentials request, records what
    the broker accepted in ``applied`` (the broker applies a user's alterations together or not at
    all), then waits until the cluster shows the result: the credentials described with the
    declared iterations, and, when a login listener is known, a login with every new password
    accepted (brokers learn of a changed credential a moment after it is stored)."""

    def __init__(self, admin, plan, users, login, wait_timeout, login_fn=None):
        self.admin = admin
        self.plan = plan
        self.users = users
        self.login = login
        self.wait_timeout = wait_timeout
        self.login_fn = login_fn or scram_login
        self.applied = []
        self.warnings = []

    def run(self):
        self.alter()
        self.verify()

    def alter(self):
        alterations = [UserScramCredentialUpsertion(name, mechanism, self.users[name].password, iterations=iterations)
                       for name, mechanism, iterations in self.plan['upserts']]
        alterations += [UserScramCredentialDeletion(name, mechanism) for name, mechanism in self.plan['deletes']]
        if not alterations:
            return
        results = self.admin.call('alter_user_scram_credentials', alterations)
        failures = []
        for name in sorted(set(c['user'] for c in self.plan['changes'])):
            changes = [c for c in self.plan['changes'] if c['user'] == name]
            error = results[name] if name in results else 'the broker gave no answer for this user'
            if error is None:
                self.applied.extend(changes)
            elif 'does not exist' in error and all(c['action'] == 'delete' for c in changes):
                # someone else deleted it after planning (or a retried request already did)
                self.warnings.append('user %r had no credential left to delete: %s' % (name, error))
            else:
                failures.append('user %r: %s failed: %s' % (
                    name, ', '.join('%s of %s' % (c['action'], c['mechanism']) for c in changes), error))
        if failures:
            raise ApplyError('; '.join(failures))

    def verify(self):
        if not self.applied:
            return
        upserts = [u for u in self.plan['upserts'] if any(
            c['user'] == u[0] and c['mechanism'] == u[1] for c in self.applied)]
        deletes = [d for d in self.plan['deletes'] if any(
            c['user'] == d[0] and c['mechanism'] == d[1] for c in self.applied)]

        def not_described():
            current = read_credentials(self.admin)
            return ['%s %s' % (n, m) for n, m, i in upserts if current.get(n, {}).get(m) != i] + \
                   ['%s %s (deleted)' % (n, m) for n, m in deletes if m in current.get(n, {})]
        wait_until('the cluster to show the changed SCRAM credentials', not_described, self.wait_timeout)
        if self.login is None:
            return

        def refused():
            left = []
            for name, mechanism, _ in upserts:
                try:
                    if not self.login_fn(self.login, name, self.users[name].password, mechanism):
                        left.append('%s %s' % (name, mechanism))
                except LoginError as e:
                    raise ApplyError('cannot log in as %r (%s) to verify the new credential: %s' % (name, mechanism, e))
            return left
        wait_until('a login with every new credential to be accepted', refused, self.wait_timeout)


def run_users(params, users, prune, login, check_mode=False, with_diff=False, login_fn=None):
    """(task result, warnings) of one run for validated input. Raises KafkaModuleError."""
    update_password = params['update_password']
    admin = connect_admin(params)
    try:
        try:
            current = read_credentials(admin)
        except KafkaModuleError:
            raise
        except Exception as e:
            raise KafkaModuleError('Cannot read the SCRAM credentials, nothing was changed: %s' % e,
                                   exception=traceback.format_exc())
        logins = check_logins(login, users, logins_needed(users, current, update_password), login_fn)
        try:
            plan = build_plan(users, current, logins, update_password, prune)
        except PlanError as e:
            raise KafkaModuleError(INVALID + str(e), errors=e.errors)
        applier = Applier(admin, plan, users, login, params['wait_timeout'], login_fn)
        if not check_mode:
            apply_reporting(applier, plan['changes'], 'SCRAM credential changes')
    finally:
        admin.close()
    result = dict(changed=bool(plan['changes']), changes=plan['changes'])
    if with_diff:
        result['diff'] = diff(users, current, plan, prune)
    return result, plan['warnings'] + applier.warnings
