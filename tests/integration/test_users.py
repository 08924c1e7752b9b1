# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""kafka_users against a real cluster, run through Ansible.

Needs KAFKA_BOOTSTRAP_SERVERS (the admin connection, PLAINTEXT, a super user) and a SCRAM listener
of the same cluster:

    KAFKA_SCRAM_BOOTSTRAP_SERVERS   host:port list of a listener with sasl.enabled.mechanisms
                                    SCRAM-SHA-256,SCRAM-SHA-512 (unset: every test is skipped)
    KAFKA_SCRAM_SECURITY_PROTOCOL   SASL_PLAINTEXT (default) or SASL_SSL
    KAFKA_SCRAM_SSL_CAFILE          CA certificate (PEM) of that listener, for SASL_SSL only

The user names of this module carry a unique tag, and every credential of those users is deleted
at the end. The cluster's state is read with kafka-python directly, and logins are checked with
kafka-python's own client, not with the module's code.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
import yaml
from kafka.admin import KafkaAdminClient, UserScramCredentialDeletion, UserScramCredentialUpsertion

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_apply import alter_on_controller

COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'collections'))
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
if not os.path.exists(PLAYBOOK):
    PLAYBOOK = shutil.which('ansible-playbook') or 'ansible-playbook'


def ok(result):
    assert not result.get('failed'), result.get('msg')
    return result


def password():
    return 'pw-%s' % uuid.uuid4().hex


@pytest.fixture(scope='module')
def scram():
    """The SCRAM listener: the module's login options, and how this test logs in on its own."""
    servers = os.environ.get('KAFKA_SCRAM_BOOTSTRAP_SERVERS')
    if not servers:
        pytest.skip('KAFKA_SCRAM_BOOTSTRAP_SERVERS is not set: kafka_users needs a SCRAM listener of the cluster '
                    '(host:port list; KAFKA_SCRAM_SECURITY_PROTOCOL SASL_PLAINTEXT or SASL_SSL, '
                    'KAFKA_SCRAM_SSL_CAFILE for SASL_SSL)')
    protocol = os.environ.get('KAFKA_SCRAM_SECURITY_PROTOCOL') or 'SASL_PLAINTEXT'
    assert protocol in ('SASL_PLAINTEXT', 'SASL_SSL'), 'KAFKA_SCRAM_SECURITY_PROTOCOL=%s' % protocol
    cafile = os.environ.get('KAFKA_SCRAM_SSL_CAFILE')
    args = {'login_bootstrap_servers': servers, 'login_security_protocol': protocol}
    if cafile:
        args['login_ssl_cafile'] = cafile
    return {'servers': servers.split(','), 'protocol': protocol, 'cafile': cafile, 'args': args}


def can_log_in(scram, user, secret, mechanism='SCRAM-SHA-512', timeout=3):
    """A login with kafka-python's own client: True once it bootstraps, False when it cannot within
    ``timeout`` seconds (kafka-python retries a refused login until then)."""
    options = dict(bootstrap_servers=scram['servers'], security_protocol=scram['protocol'], sasl_mechanism=mechanism,
                   sasl_plain_username=user, sasl_plain_password=secret, bootstrap_timeout_ms=timeout * 1000,
                   request_timeout_ms=timeout * 1000 + 5000, client_id='it-users-login')
    if scram['cafile']:
        options['ssl_cafile'] = scram['cafile']
    try:
        client = KafkaAdminClient(**options)
    except Exception:
        return False
    client.close()
    return True


def credentials(admin, tag):
    """{user: {mechanism: iterations}} of the tagged users, read with kafka-python."""
    described = admin.describe_user_scram_credentials()
    return dict((user, dict((ci['mechanism'].name.replace('_', '-'), ci['iterations'])
                            for ci in info['credential_infos']))
                for user, info in described.items() if user.startswith(tag) and info['credential_infos'])


def add(admin, *credentials_):
    """Set-up without the module under test: (user, mechanism, password[, iterations]). Sent to the
    controller, the only broker that stores credentials in ZooKeeper mode."""
    upserts = [UserScramCredentialUpsertion(*c[:3], iterations=(c[3:] or [4096])[0]) for c in credentials_]
    result = alter_on_controller(admin)(upserts)
    assert set(result.values()) == {None}, result


@pytest.fixture
def tag(admin, scram):
    """A unique prefix for the user names of one test; their credentials are deleted at the end."""
    value = 'it-usr-%s' % uuid.uuid4().hex[:8]
    yield value
    doomed = [UserScramCredentialDeletion(user, mechanism)
              for user, mechanisms in credentials(admin, value).items() for mechanism in mechanisms]
    if doomed:
        alter_on_controller(admin)(doomed)


def users_task(scram, tag, users, **extra):
    return dict(scram['args'], users=users, **extra)


def test_create_then_rerun_is_unchanged(ansible, admin, scram, tag):
    a, b, c = tag + '-a', tag + '-b', tag + '-c,x=y'   # c: SCRAM escapes ',' and '=' in names
    secrets = dict((name, password()) for name in (a, b, c))
    users = [{'name': a, 'password': secrets[a]},
             {'name': b, 'password': secrets[b], 'mechanisms': ['SCRAM-SHA-256', 'SCRAM-SHA-512'], 'iterations': 8192},
             {'name': c, 'password': secrets[c], 'mechanism': 'SCRAM-SHA-256'}]
    first = ok(ansible('kafka_users', users_task(scram, tag, users)))
    assert first['changed'] is True
    assert [(ch['user'], ch['mechanism'], ch['action'], ch['iterations'], ch['reason']) for ch in first['changes']] == [
        (a, 'SCRAM-SHA-512', 'create', 4096, 'no credential'),
        (b, 'SCRAM-SHA-256', 'create', 8192, 'no credential'),
        (b, 'SCRAM-SHA-512', 'create', 8192, 'no credential'),
        (c, 'SCRAM-SHA-256', 'create', 4096, 'no credential')]
    assert credentials(admin, tag) == {a: {'SCRAM-SHA-512': 4096}, b: {'SCRAM-SHA-256': 8192, 'SCRAM-SHA-512': 8192},
                                       c: {'SCRAM-SHA-256': 4096}}
    assert can_log_in(scram, a, secrets[a])
    assert can_log_in(scram, b, secrets[b], 'SCRAM-SHA-256') and can_log_in(scram, b, secrets[b], 'SCRAM-SHA-512')
    assert not any(s in json.dumps(first) for s in secrets.values())

    # every credential is checked by a login again, and each is accepted (also the escaped name)
    again = ok(ansible('kafka_users', users_task(scram, tag, users), diff=True))
    assert again['changed'] is False and again['changes'] == []
    assert again['diff']['before'] == again['diff']['after'] == (
        '%s: SCRAM-SHA-512 (4096 iterations)\n'
        '%s: SCRAM-SHA-256 (8192 iterations), SCRAM-SHA-512 (8192 iterations)\n'
        '%s: SCRAM-SHA-256 (4096 iterations)\n' % (a, b, c))


def test_a_wrong_password_is_detected_and_fixed(ansible, admin, scram, tag):
    user, old, new = tag + '-app', password(), password()
    add(admin, (user, 'SCRAM-SHA-512', old))
    assert can_log_in(scram, user, old)
    users = [{'name': user, 'password': new}]

    fixed = ok(ansible('kafka_users', users_task(scram, tag, users)))
    assert fixed['changes'] == [{'user': user, 'mechanism': 'SCRAM-SHA-512', 'action': 'update', 'iterations': 4096,
                                 'reason': 'password differs: a login with the declared password was refused'}]
    assert can_log_in(scram, user, new)
    assert not can_log_in(scram, user, old)
    assert ok(ansible('kafka_users', users_task(scram, tag, users)))['changed'] is False


def test_check_mode_predicts_the_run_and_changes_nothing(ansible, admin, scram, tag):
    right, wrong, new = tag + '-right', tag + '-wrong', tag + '-new'
    secrets = dict((name, password()) for name in (right, wrong, new))
    stale = password()
    add(admin, (right, 'SCRAM-SHA-512', secrets[right]), (wrong, 'SCRAM-SHA-512', stale),
        (wrong, 'SCRAM-SHA-256', stale))
    before = credentials(admin, tag)
    users = [{'name': right, 'password': secrets[right]}, {'name': wrong, 'password': secrets[wrong]},
             {'name': new, 'password': secrets[new], 'iterations': 5000}]

    predicted = ok(ansible('kafka_users', users_task(scram, tag, users), check=True, diff=True))
    assert predicted['changed'] is True
    assert [(c['user'], c['mechanism'], c['action'], c['reason']) for c in predicted['changes']] == [
        (new, 'SCRAM-SHA-512', 'create', 'no credential'),
        (wrong, 'SCRAM-SHA-256', 'delete', 'mechanism not declared'),
        (wrong, 'SCRAM-SHA-512', 'update', 'password differs: a login with the declared password was refused')]
    assert predicted['diff']['after'] == (
        '%s: SCRAM-SHA-512 (5000 iterations)\n'
        '%s: SCRAM-SHA-512 (4096 iterations)\n'
        '%s: SCRAM-SHA-512 (4096 iterations, new password)\n' % (new, right, wrong))
    assert credentials(admin, tag) == before
    assert can_log_in(scram, wrong, stale)

    done = ok(ansible('kafka_users', users_task(scram, tag, users)))
    assert done['changes'] == predicted['changes']
    assert credentials(admin, tag) == {right: {'SCRAM-SHA-512': 4096}, wrong: {'SCRAM-SHA-512': 4096},
                                       new: {'SCRAM-SHA-512': 5000}}
    assert can_log_in(scram, wrong, secrets[wrong]) and can_log_in(scram, new, secrets[new])


def test_an_iteration_change_rewrites_the_credential(ansible, admin, scram, tag):
    user, secret = tag + '-it', password()
    ok(ansible('kafka_users', users_task(scram, tag, [{'name': user, 'password': secret}])))
    users = [{'name': user, 'password': secret, 'iterations': 8192}]
    changed = ok(ansible('kafka_users', users_task(scram, tag, users)))
    assert [(c['action'], c['iterations'], c['reason']) for c in changed['changes']] == [
        ('update', 8192, 'iterations 4096 -> 8192')]
    assert credentials(admin, tag) == {user: {'SCRAM-SHA-512': 8192}}
    assert can_log_in(scram, user, secret)
    assert ok(ansible('kafka_users', users_task(scram, tag, users)))['changed'] is False


def test_on_create_leaves_an_existing_password_alone_without_a_login(ansible, admin, scram, tag):
    user, theirs = tag + '-oc', password()
    add(admin, (user, 'SCRAM-SHA-512', theirs))
    # no login options at all: update_password=on_create needs no SCRAM listener
    result = ok(ansible('kafka_users', {'update_password': 'on_create',
                                        'users': [{'name': user, 'password': password()},
                                                  {'name': user + '-2', 'password': password()}]}))
    assert [(c['user'], c['action']) for c in result['changes']] == [(user + '-2', 'create')]
    assert can_log_in(scram, user, theirs)


def test_mechanisms_and_users_are_deleted(ansible, admin, scram, tag):
    user, secret = tag + '-del', password()
    add(admin, (user, 'SCRAM-SHA-256', secret), (user, 'SCRAM-SHA-512', secret))
    only_512 = ok(ansible('kafka_users', users_task(scram, tag, [{'name': user, 'password': secret}])))
    assert [(c['mechanism'], c['action'], c['reason']) for c in only_512['changes']] == [
        ('SCRAM-SHA-256', 'delete', 'mechanism not declared')]
    assert credentials(admin, tag) == {user: {'SCRAM-SHA-512': 4096}}

    gone = ok(ansible('kafka_users', {'users': [{'name': user, 'state': 'absent'},
                                                {'name': tag + '-never', 'state': 'absent'}]}))
    assert [(c['user'], c['mechanism'], c['action'], c['reason']) for c in gone['changes']] == [
        (user, 'SCRAM-SHA-512', 'delete', 'state is absent')]
    assert credentials(admin, tag) == {}
    assert not can_log_in(scram, user, secret)
    assert ok(ansible('kafka_users', {'users': [{'name': user, 'state': 'absent'}]}))['changed'] is False


def test_prune_is_scoped_and_capped(ansible, admin, scram, tag):
    scope = tag + '.p-'
    keep, secret = scope + 'keep', password()
    add(admin, (keep, 'SCRAM-SHA-512', secret), (scope + 'x', 'SCRAM-SHA-512', password()),
        (scope + 'y', 'SCRAM-SHA-256', password()), (scope + 'y', 'SCRAM-SHA-512', password()),
        (scope + 'z', 'SCRAM-SHA-256', password()), (tag + '.outside', 'SCRAM-SHA-512', password()))
    before = credentials(admin, tag)
    users = [{'name': keep, 'password': secret}]

    capped = ansible('kafka_users', users_task(scram, tag, users, prune=True, prune_prefix=scope,
                                               prune_max_deletions=2))
    assert capped.get('failed')
    assert capped['msg'] == ('Invalid input, nothing was changed: prune: would delete the credentials of 3 users, '
                             'more than prune_max_deletions (2): %sx, %sy, %sz' % (scope, scope, scope))
    assert credentials(admin, tag) == before

    pruned = ok(ansible('kafka_users', users_task(scram, tag, users, prune=True, prune_prefix=scope,
                                                  prune_regex='.*-[xy]', prune_max_deletions=2)))
    assert [(c['user'], c['mechanism'], c['reason']) for c in pruned['changes']] == [
        (scope + 'x', 'SCRAM-SHA-512', 'pruned: not declared'),
        (scope + 'y', 'SCRAM-SHA-256', 'pruned: not declared'),
        (scope + 'y', 'SCRAM-SHA-512', 'pruned: not declared')]
    assert credentials(admin, tag) == {keep: {'SCRAM-SHA-512': 4096}, scope + 'z': {'SCRAM-SHA-256': 4096},
                                       tag + '.outside': {'SCRAM-SHA-512': 4096}}


def test_bad_input_is_refused_and_changes_nothing(ansible, admin, scram, tag):
    secret = password()
    result = ansible('kafka_users', users_task(scram, tag, [
        {'name': tag + '-fine', 'password': secret},                         # valid
        {'name': tag + '-few', 'password': secret, 'iterations': 1000},
        {'name': tag + '-mech', 'password': secret, 'mechanisms': ['SCRAM-SHA-1']},
        {'name': tag + '-nopw'},
        {'name': tag + '-fine', 'password': secret},
    ]))
    assert result.get('failed'), result
    assert result['errors'] == [
        "users[1] '%s-few': iterations must be between 4096 and 16384 (what Kafka accepts), got 1000" % tag,
        "users[2] '%s-mech': unknown mechanism 'SCRAM-SHA-1' (did you mean 'SCRAM-SHA-512'?) (one of: SCRAM-SHA-256, "
        "SCRAM-SHA-512)" % tag,
        "users[3] '%s-nopw': password is required with state present" % tag,
        "users[4] '%s-fine': user '%s-fine' is declared more than once (also users[0] '%s-fine')" % (tag, tag, tag)]
    assert secret not in json.dumps(result)
    assert credentials(admin, tag) == {}


def test_an_unreachable_login_listener_fails_before_any_change(ansible, admin, scram, tag):
    user, old = tag + '-nl', password()
    add(admin, (user, 'SCRAM-SHA-512', old))
    result = ansible('kafka_users', {'login_bootstrap_servers': '127.0.0.1:1', 'login_security_protocol': 'SASL_PLAINTEXT',
                                     'request_timeout': 5,
                                     'users': [{'name': user, 'password': password()},
                                               {'name': tag + '-other', 'password': password()}]})
    assert result.get('failed')
    assert result['msg'].startswith("Cannot verify the password of user '%s' (SCRAM-SHA-512) by a login, nothing "
                                    "was changed: no login server gave an answer" % user)
    assert credentials(admin, tag) == {user: {'SCRAM-SHA-512': 4096}}
    assert can_log_in(scram, user, old)


def test_no_password_in_the_output_with_vvv_and_diff(bootstrap, admin, scram, tag, tmp_path):
    """ansible-playbook -vvv --diff as a user runs it (a YAML playbook, the passwords in a vars file as
    from a vault, the default callback): create, rewrite, a refused entry and a login check that
    cannot decide; none of the passwords appears on stdout or stderr."""
    user, old, new, other = tag + '-vvv', password(), password(), password()
    add(admin, (user, 'SCRAM-SHA-256', old))
    login = dict(scram['args'], bootstrap_servers=bootstrap)
    tasks = [
        {'name': 'rewrite and create', 'kafka_ansible.cluster.kafka_users': dict(login, users=[
            {'name': user, 'password': '{{ pw_new }}', 'mechanisms': ['SCRAM-SHA-256', 'SCRAM-SHA-512']},
            {'name': user + '-2', 'password': '{{ pw_other }}', 'iterations': 4097}])},
        {'name': 'refused entry', 'ignore_errors': True, 'kafka_ansible.cluster.kafka_users': dict(login, users=[
            {'name': user, 'password': '{{ pw_new }}', 'iterations': 1},
            {'name': user + '-3', 'password': '{{ pw_old }}', 'state': 'nope'}])},
        {'name': 'login check that cannot decide', 'ignore_errors': True, 'kafka_ansible.cluster.kafka_users': dict(
            login, login_bootstrap_servers='127.0.0.1:1', request_timeout=5,
            users=[{'name': user, 'password': '{{ pw_new }}'}])},
    ]
    (tmp_path / 'secrets.yml').write_text(yaml.safe_dump({'pw_old': old, 'pw_new': new, 'pw_other': other}))
    play = tmp_path / 'play.yml'
    play.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars_files': ['secrets.yml'],
                                     'tasks': tasks}], sort_keys=False))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_NOCOLOR='1', ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default')
    proc = subprocess.run([PLAYBOOK, '-vvv', '--diff', '-i', 'localhost,', '-c', 'local',
                           '-e', 'ansible_python_interpreter=' + sys.executable, str(play)],
                          env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert 'ok=3' in output and 'changed=1' in output and 'ignored=2' in output, output[-3000:]
    # the output is the real thing: the diff, the changes, the refusal and the failed check are all in it
    assert '%s: SCRAM-SHA-256 (4096 iterations, new password), SCRAM-SHA-512 (4096 iterations)' % user in output
    assert 'password differs: a login with the declared password was refused' in output
    assert 'iterations must be between 4096 and 16384' in output
    assert 'no login server gave an answer' in output
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in output     # -vvv echoes the arguments, masked
    for secret in (old, new, other):
        assert secret not in output
        assert secret[3:] not in output
    assert can_log_in(scram, user, new, 'SCRAM-SHA-256')     # the vars file's password was the one set
