# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Validation and planning for SASL/SCRAM users: pure functions, no I/O, no kafka-python, no Ansible.

A user's credentials on the cluster are read as ``{user name: {mechanism: iterations}}`` (the
Admin API never returns a password or a hash). Whether the password of an existing credential is
already the declared one is decided outside this module, by a real SASL/SCRAM login
(kafka_user_apply), and handed to ``build_plan`` as ``logins {(user, mechanism): bool}``.

No password ever enters a plan, a message or a repr: the plan names credentials, and the applier
looks the password up in the declared ``User`` when it sends it.

plan = {
    'upserts': [(user, mechanism, iterations)],     # sorted: credentials to create or rewrite
    'deletes': [(user, mechanism)],                 # sorted
    'changes': [{'user', 'mechanism', 'action': create|update|delete, ['iterations'], 'reason'}],
    'warnings': [str],
}
"""

from __future__ import annotations

import difflib
import re

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import PlanError, prune_errors

MECHANISMS = ('SCRAM-SHA-256', 'SCRAM-SHA-512')
DEFAULT_MECHANISMS = ('SCRAM-SHA-512',)
# The bounds Kafka enforces (ScramMechanism: minIterations 4096, maxIterations 16384); the broker
# refuses others with "Too few iterations" / "Too many iterations".
MIN_ITERATIONS = 4096
MAX_ITERATIONS = 16384
STATES = ('present', 'absent')
UPDATE_PASSWORD = ('always', 'on_create')
SASL_PROTOCOLS = ('SASL_PLAINTEXT', 'SASL_SSL')
LOGIN_REFUSED = 'password differs: a login with the declared password was refused'
CONTROL = re.compile(r'[\x00-\x1f\x7f]')


class User:
    """One declared user. The password is kept out of every repr and message."""

    __slots__ = ('name', 'mechanisms', 'password', 'iterations', 'state', 'label')

    def __init__(self, name, mechanisms, password, iterations, state, label):
        self.name = name
        self.mechanisms = mechanisms    # sorted tuple; None with state absent: every mechanism
        self.password = password
        self.iterations = iterations
        self.state = state
        self.label = label

    def __repr__(self):
        return 'User(%r, %s, %s, iterations=%s, password=%s)' % (
            self.name, self.state, self.mechanisms, self.iterations, 'set' if self.password else 'unset')

    def __eq__(self, other):
        return isinstance(other, User) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None


def entry_label(index, name=None):
    if isinstance(name, str) and name:
        return 'users[%d] %r' % (index, name)
    return 'users[%d]' % index


def _choice_problem(what, value, choices):
    if value in choices:
        return None
    hint = difflib.get_close_matches(str(value), choices, n=1)
    return 'unknown %s %r%s (one of: %s)' % (what, value, " (did you mean %r?)" % hint[0] if hint else '',
                                            ', '.join(choices))


def name_problem(name):
    if not isinstance(name, str) or not name:
        return 'name is required (a non-empty string)'
    if name != name.strip():
        return 'name %r begins or ends with white space' % name
    if CONTROL.search(name):
        return 'name %r contains control characters' % name
    return None


def parse_entry(index, entry):
    """(User, errors) for one declared entry; every problem is named, no password is shown."""
    name = entry.get('name')
    label = entry_label(index, name)
    errors = []
    state = entry.get('state') or 'present'
    problem = name_problem(name)
    if problem:
        errors.append(problem)
    problem = _choice_problem('state', state, STATES)
    if problem:
        errors.append(problem)

    raw = entry.get('mechanisms')
    mechanisms = None
    if raw is not None:
        if not raw:
            errors.append('mechanisms must list at least one mechanism (or be left out)')
        seen = []
        for value in raw:
            normalized = value.upper() if isinstance(value, str) else value
            problem = _choice_problem('mechanism', normalized, MECHANISMS)
            if problem:
                errors.append(problem)
            elif normalized in seen:
                errors.append('mechanism %s is listed twice' % normalized)
            else:
                seen.append(normalized)
        mechanisms = tuple(sorted(seen))
    elif state == 'present':
        mechanisms = DEFAULT_MECHANISMS

    iterations = entry.get('iterations')
    if iterations is None:
        iterations = MIN_ITERATIONS
    password = entry.get('password')
    if state == 'present':
        if isinstance(iterations, bool) or not isinstance(iterations, int) \
                or not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
            errors.append('iterations must be between %d and %d (what Kafka accepts), got %r'
                          % (MIN_ITERATIONS, MAX_ITERATIONS, iterations))
        if password is None or password == '':
            errors.append('password is required with state present')
        elif not isinstance(password, str):
            # never echo the value: it may be a password given in the wrong place
            errors.append('password must be a string, got a %s' % type(password).__name__)

    if errors:
        return None, ['%s: %s' % (label, e) for e in errors]
    return User(name, mechanisms, password, iterations, state, label), []


def parse_server(server):
    """(host, port) of a ``host:port`` item (IPv6 as ``[addr]:port``), or None."""
    server = server.strip()
    match = re.fullmatch(r'\[([^\]]+)\]:(\d+)|([^:\[\]\s]+):(\d+)', server)
    if not match:
        return None
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    return (host, port) if 0 < port < 65536 else None


def login_settings(params):
    """(login, errors): where and how the module logs in as a user to check a password, or None.

    The login listener is O(login_bootstrap_servers) with O(login_security_protocol); without
    them, the admin connection's own servers when that connection is itself SASL."""
    errors = []
    admin_sasl = params.get('security_protocol') in SASL_PROTOCOLS
    servers = [s for s in (params.get('login_bootstrap_servers') or []) if s.strip()]
    protocol = params.get('login_security_protocol')
    if not servers:
        if not admin_sasl:
            if protocol:
                errors.append('login_security_protocol: given without login_bootstrap_servers, and the admin '
                              'connection is not SASL (so its servers cannot be used to log in)')
            return None, errors
        servers = [s for s in params['bootstrap_servers'] if s.strip()]
    if not protocol:
        if not admin_sasl:
            errors.append('login_security_protocol is required with login_bootstrap_servers (SASL_PLAINTEXT '
                          'or SASL_SSL), as the admin connection is %s' % params.get('security_protocol'))
        else:
            protocol = params.get('security_protocol')
    if protocol and protocol not in SASL_PROTOCOLS:
        errors.append('login_security_protocol must be SASL_PLAINTEXT or SASL_SSL, got %r' % (protocol,))
    parsed = []
    for server in servers:
        address = parse_server(server)
        if address is None:
            errors.append('login_bootstrap_servers: %r is not host:port' % server)
        else:
            parsed.append(address)
    if errors:
        return None, errors
    return {
        'servers': parsed,
        'security_protocol': protocol,
        'ssl_cafile': params.get('login_ssl_cafile') or params.get('ssl_cafile'),
        'ssl_check_hostname': params.get('ssl_check_hostname', True),
        'timeout': params.get('request_timeout') or 30,
    }, []


def validate_prune(prune):
    """Errors of the prune options (None: no pruning)."""
    return prune_errors(prune, 'every SCRAM user of the cluster')


def declare(entries, prune=None):
    """({name: User}, errors): the declared users, or every problem of the input."""
    users, seen, errors = {}, {}, []
    for index, entry in enumerate(entries):
        user, entry_errors = parse_entry(index, entry)
        errors.extend(entry_errors)
        name = entry.get('name')
        if isinstance(name, str) and name:
            if name in seen:
                errors.append('%s: user %r is declared more than once (also %s)'
                              % (entry_label(index, name), name, seen[name]))
                continue
            seen[name] = entry_label(index, name)
        if user is not None:
            users[user.name] = user
    errors.extend(validate_prune(prune))
    return (users if not errors else {}), errors


def validate(params):
    """(users, prune, login, errors) from the module parameters; nothing is connected to.

    ``prune`` is None without O(prune); its ``protected`` names the users that are never pruned
    (the SCRAM user of the module's own admin connection)."""
    prune = None
    if params.get('prune'):
        protected = []
        if params.get('security_protocol') in SASL_PROTOCOLS and (params.get('sasl_mechanism') or '') in MECHANISMS \
                and params.get('sasl_username'):
            protected.append(params['sasl_username'])
        prune = {'prefix': params.get('prune_prefix'), 'regex': params.get('prune_regex'),
                 'max_deletions': params.get('prune_max_deletions', 10), 'protected': protected}
    users, errors = declare(params.get('users') or [], prune)
    update_password = params.get('update_password') or 'always'
    problem = _choice_problem('update_password', update_password, UPDATE_PASSWORD)
    if problem:
        errors.append(problem)
    login, login_errors = login_settings(params)
    errors.extend(login_errors)
    present = [e for e in params.get('users') or [] if (e.get('state') or 'present') == 'present']
    if update_password == 'always' and present and login is None and not login_errors:
        errors.append('update_password=always decides whether a password is already right by logging in as the '
                      'user, and no SCRAM listener is known: set login_bootstrap_servers and '
                      'login_security_protocol, or update_password=on_create (only new credentials get a password)')
    if errors:
        return {}, None, None, errors
    return users, prune, login, []


def logins_needed(users, current, update_password):
    """The (user, mechanism) credentials whose password must be checked by a login: those that
    exist with the declared iterations (another iteration count is rewritten anyway)."""
    if update_password != 'always':
        return []
    return sorted((u.name, m) for u in users.values() if u.state == 'present'
                  for m in u.mechanisms if current.get(u.name, {}).get(m) == u.iterations)


def in_prune_scope(name, prune):
    if prune.get('prefix') and not name.startswith(prune['prefix']):
        return False
    if prune.get('regex') and not re.fullmatch(prune['regex'], name):
        return False
    return True


def build_plan(users, current, logins, update_password='always', prune=None):
    """The plan from the declared {name: User}, the cluster's {user: {mechanism: iterations}} and
    the login results {(user, mechanism): accepted}. Raises PlanError when pruning would delete
    the credentials of more than prune['max_deletions'] users."""
    upserts, deletes, changes, warnings = [], [], [], []

    def upsert(user, mechanism, action, reason):
        upserts.append((user.name, mechanism, user.iterations))
        changes.append({'user': user.name, 'mechanism': mechanism, 'action': action,
                        'iterations': user.iterations, 'reason': reason})

    def delete(name, mechanism, reason):
        deletes.append((name, mechanism))
        changes.append({'user': name, 'mechanism': mechanism, 'action': 'delete', 'reason': reason})

    for name in sorted(users):
        user, have = users[name], current.get(name, {})
        if user.state == 'absent':
            for mechanism in sorted(have):
                if user.mechanisms is None or mechanism in user.mechanisms:
                    delete(name, mechanism, 'state is absent')
            continue
        for mechanism in sorted(set(user.mechanisms) | set(have)):
            if mechanism not in user.mechanisms:
                delete(name, mechanism, 'mechanism not declared')
            elif mechanism not in have:
                upsert(user, mechanism, 'create', 'no credential')
            elif have[mechanism] != user.iterations:
                if update_password == 'always':
                    upsert(user, mechanism, 'update', 'iterations %d -> %d' % (have[mechanism], user.iterations))
                else:
                    warnings.append('%s: %s has %d iterations, not the declared %d; update_password=on_create '
                                    'leaves an existing credential alone (always rewrites it)'
                                    % (user.label, mechanism, have[mechanism], user.iterations))
            elif update_password == 'always' and not logins[(name, mechanism)]:
                upsert(user, mechanism, 'update', LOGIN_REFUSED)

    if prune is not None:
        candidates = sorted(n for n in current if n not in users and current[n] and in_prune_scope(n, prune))
        for name in candidates:
            if name in prune.get('protected', ()):
                warnings.append('user %r is not pruned: the module connects as this user' % name)
        pruned = [n for n in candidates if n not in prune.get('protected', ())]
        if len(pruned) > prune['max_deletions']:
            raise PlanError(['prune: would delete the credentials of %d users, more than prune_max_deletions (%d): %s'
                             % (len(pruned), prune['max_deletions'], ', '.join(pruned))])
        for name in pruned:
            for mechanism in sorted(current[name]):
                delete(name, mechanism, 'pruned: not declared')

    changes.sort(key=lambda c: (c['user'], c['mechanism']))
    return {'upserts': sorted(upserts), 'deletes': sorted(deletes), 'changes': changes, 'warnings': warnings}


def user_line(name, credentials, rewritten=()):
    """``alice: SCRAM-SHA-256 (4096 iterations), SCRAM-SHA-512 (8192 iterations, new password)``."""
    return '%s: %s\n' % (name, ', '.join(
        '%s (%d iterations%s)' % (m, credentials[m], ', new password' if m in rewritten else '')
        for m in sorted(credentials)))


def diff(users, current, plan, prune=None):
    """Ansible diff mode: one line per managed user (declared, or in the prune scope) with its
    mechanisms and iterations, before and after. No password, salt or hash: the cluster gives none,
    and a rewritten password shows as ``new password``."""
    managed = set(users)
    if prune is not None:
        managed |= set(n for n in current if in_prune_scope(n, prune))
    after = dict((n, dict(current.get(n, {}))) for n in managed)
    rewritten = {}
    for name, mechanism in plan['deletes']:
        after[name].pop(mechanism, None)
    for name, mechanism, iterations in plan['upserts']:
        if mechanism in after[name]:
            rewritten.setdefault(name, set()).add(mechanism)
        after[name][mechanism] = iterations

    def text(state, marks):
        return ''.join(user_line(n, state[n], marks.get(n, ())) for n in sorted(state) if state[n])
    return {'before_header': 'SCRAM users', 'after_header': 'SCRAM users',
            'before': text(dict((n, current.get(n, {})) for n in managed), {}),
            'after': text(after, rewritten)}
