#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_users
short_description: Manage SASL/SCRAM users as code, with honest idempotence and optional scoped pruning
description:
  - Creates, updates and deletes the SCRAM-SHA-256 and SCRAM-SHA-512 credentials of Kafka users
    through the Admin API (DescribeUserScramCredentials, AlterUserScramCredentials; KIP-554, brokers
    2.7 or later; tested on ZooKeeper-mode brokers). No command line is run, so no password is ever in a
    process list.
  - Every entry is validated first (name, state, known mechanisms listed once, iterations within
    the bounds Kafka accepts, a password for every present user, no user declared twice, the login
    listener and the prune scope). Any problem fails the task with one message naming every bad
    entry (as C(users[index] 'name')), before the module connects, and nothing is changed.
  - B(How "already correct" is decided.) The Admin API returns the mechanisms and iteration counts
    of a user, never a password, salt or hash. With O(update_password=always) (the default) the
    module therefore logs in as the user, with the declared password, by a real SASL/SCRAM exchange
    against a SCRAM listener of the cluster (O(login_bootstrap_servers)), once per existing
    credential whose iteration count is the declared one. The broker accepts the login (the
    credential is right and left alone) or refuses it with C(SASL_AUTHENTICATION_FAILED) (the
    credential is rewritten with the declared password and reported as changed). A credential with
    another iteration count is rewritten without a login. Anything else (listener unreachable,
    mechanism not enabled on it, TLS failure) fails the task before anything is changed; the module
    never guesses. A second run with the same input therefore reports no change, and a password
    changed behind the module's back is found and set back.
  - A refused login is a failed authentication in the broker's log (the user name, no password),
    and counts for any tool that watches failed logins. The module keeps no hash or state of its own.
  - Without a SCRAM listener to log in to, use O(update_password=on_create) - new credentials get
    the declared password, existing ones are never checked or rewritten (a differing iteration
    count is then only warned about). With O(update_password=always) and no login listener known
    the task fails before connecting, saying so.
  - A present user ends up with exactly the declared O(users[].mechanisms) - a credential of
    another mechanism is deleted. O(users[].state=absent) deletes the listed mechanisms, or every
    one when none is listed.
  - All creates, rewrites and deletes go in one AlterUserScramCredentials request; the broker
    applies the alterations of one user together or not at all. A user the broker refuses fails
    the task with the broker's message for that user, and C(applied) lists what was done. After
    applying, the module reads the credentials again until the cluster shows every change, and,
    when a login listener is known, logs in with every new credential until the brokers accept it
    (at most O(wait_timeout) seconds).
  - Passwords are O(users[].password) (C(no_log)) and appear in no result, diff, warning, error or
    log; the diff shows user names, mechanisms and iteration counts only, a rewritten password as
    C(new password).
version_added: "1.1.0"
author: kafka-ansible contributors
options:
  users:
    description: The users to manage. An empty list is valid (with O(prune), it deletes every user in scope).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The user name, as clients give it in C(sasl.jaas.config) (the principal is C(User:<name>)).
          - Not empty, without leading or trailing white space or control characters.
        type: str
        required: true
      mechanisms:
        description:
          - V(SCRAM-SHA-256), V(SCRAM-SHA-512) or both; one credential (with its own salt) per mechanism.
          - With O(users[].state=present), default V([SCRAM-SHA-512]), and any other mechanism of the
            user is deleted. With O(users[].state=absent), default every mechanism of the user.
        type: list
        elements: str
        aliases: [mechanism]
      password:
        description:
          - The password; required with O(users[].state=present). Never shown or logged.
          - Give it from a vault or a lookup, never in plain text in the inventory.
        type: str
      iterations:
        description:
          - PBKDF2 iterations of the salted password, V(4096) to V(16384) (the bounds Kafka enforces).
          - A credential with another count is rewritten (with O(update_password=always)).
        type: int
        default: 4096
      state:
        description: V(present) or V(absent).
        type: str
        default: present
  update_password:
    description:
      - V(always) - every existing credential is checked by a login with the declared password and
        rewritten when the broker refuses it or its iterations differ. Needs a login listener
        (O(login_bootstrap_servers), or a SASL admin connection).
      - V(on_create) - only credentials that do not exist yet get the password; existing ones are
        neither checked nor rewritten. No login listener needed.
    type: str
    default: always
    choices: [always, on_create]
  login_bootstrap_servers:
    description:
      - The SCRAM listener(s) to log in to, as C(host:port) items; the first one that answers decides.
        Its C(sasl.enabled.mechanisms) must include every declared mechanism.
      - Default - O(bootstrap_servers) when O(security_protocol) is C(SASL_PLAINTEXT) or C(SASL_SSL)
        (the admin connection is itself on a SASL listener); otherwise no login listener is known.
    type: list
    elements: str
  login_security_protocol:
    description:
      - V(SASL_PLAINTEXT) or V(SASL_SSL), the protocol of O(login_bootstrap_servers).
      - Default - O(security_protocol) when that is a SASL protocol; required with
        O(login_bootstrap_servers) when the admin connection is not SASL.
      - SCRAM sends no password, only proofs; with C(SASL_PLAINTEXT) a listener of a trusted network
        still exposes the exchange to offline guessing, so prefer C(SASL_SSL) elsewhere.
    type: str
    choices: [SASL_PLAINTEXT, SASL_SSL]
  login_ssl_cafile:
    description:
      - CA certificate (PEM) to verify the login listener with, for C(SASL_SSL). Default O(ssl_cafile),
        else the system's trusted CAs. O(ssl_check_hostname) applies to it too.
    type: path
  prune:
    description:
      - Delete every credential of the users that are not declared in O(users), but only those in
        scope; O(prune_prefix) or O(prune_regex) is required, and a user name must match every one given.
      - The user of the module's own connection (O(sasl_username) with a SCRAM O(sasl_mechanism)) is
        never pruned. Choose a scope that leaves out the brokers' own users.
      - Deletions requested with O(users[].state=absent) are not pruning.
    type: bool
    default: false
  prune_prefix:
    description: With O(prune), only users whose name starts with this prefix are candidates.
    type: str
  prune_regex:
    description: With O(prune), only users whose whole name matches this Python regular expression are candidates.
    type: str
  prune_max_deletions:
    description:
      - With O(prune), fail without changing anything when more than this many users would be pruned.
      - Deletions requested with O(users[].state=absent) do not count.
    type: int
    default: 10
  wait_timeout:
    description: Seconds to wait, after applying, until the cluster shows every change and accepts every new credential.
    type: int
    default: 60
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the credentials and makes the same logins as a real run (a login changes nothing), returns
        the plan a real run would apply, and changes nothing.
  diff_mode:
    support: full
    details:
      - Every managed user (declared, or in the prune scope) before and after, one line each with its
        mechanisms and iteration counts; never a password.
  platform:
    platforms: posix
notes:
  - Give passwords through variables (Ansible Vault, a lookup), never literally in the task - since
    ansible-core 2.19 the error of a failed task quotes the task's source lines, whatever the module
    returns; a variable reference shows there, its value does not.
  - The brokers learn of a changed credential through ZooKeeper (or the metadata log) a moment after
    it is stored; the module waits for that with its verification logins.
  - The credential of the brokers' inter-broker SCRAM user must exist before brokers use it; this
    module can create it through a PLAINTEXT or SSL admin listener.
seealso:
  - module: kafka_ansible.cluster.kafka_acls
"""

EXAMPLES = r"""
- name: The applications' users; a second run changes nothing
  kafka_ansible.cluster.kafka_users:
    bootstrap_servers: kafka1:9092,kafka2:9092          # PLAINTEXT admin listener
    login_bootstrap_servers: kafka1:9094,kafka2:9094    # the SCRAM listener the apps use
    login_security_protocol: SASL_SSL
    login_ssl_cafile: /etc/kafka/ca.pem
    users:
      - name: orders
        password: "{{ vault_kafka_passwords.orders }}"
        mechanisms: [SCRAM-SHA-512]
      - name: analytics
        password: "{{ vault_kafka_passwords.analytics }}"
        mechanisms: [SCRAM-SHA-256, SCRAM-SHA-512]
        iterations: 8192
      - name: legacy
        state: absent
  delegate_to: "{{ kafka_modules_host }}"
  run_once: true

- name: Admin connection over SCRAM itself (its servers are also the login listener)
  kafka_ansible.cluster.kafka_users:
    bootstrap_servers: "{{ kafka_bootstrap_servers }}"
    security_protocol: SASL_SSL
    ssl_cafile: /etc/kafka/ca.pem
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ vault_kafka_admin_password }}"
    users: "{{ kafka_app_users }}"
    prune: true
    prune_prefix: app-
    prune_max_deletions: 3

- name: No SCRAM listener reachable from here - only new credentials get a password
  kafka_ansible.cluster.kafka_users:
    bootstrap_servers: kafka1:9092
    update_password: on_create
    users:
      - name: broker
        mechanism: SCRAM-SHA-512
        password: "{{ vault_kafka_broker_password }}"
"""

RETURN = r"""
changes:
  description:
    - What changed (or would change in check mode), one item per credential (user and mechanism),
      sorted by user and mechanism. All of them are applied in one request.
  returned: always
  type: list
  elements: dict
  sample:
    - {user: orders, mechanism: SCRAM-SHA-512, action: create, iterations: 4096, reason: no credential}
    - user: analytics
      mechanism: SCRAM-SHA-256
      action: update
      iterations: 8192
      reason: "password differs: a login with the declared password was refused"
    - {user: old-app, mechanism: SCRAM-SHA-256, action: delete, reason: "pruned: not declared"}
  contains:
    user:
      description: The user name.
      type: str
    mechanism:
      description: V(SCRAM-SHA-256) or V(SCRAM-SHA-512).
      type: str
    action:
      description: V(create), V(update) (the credential is rewritten with the declared password) or V(delete).
      type: str
    iterations:
      description: For V(create) and V(update), the iterations of the new credential.
      type: int
    reason:
      description:
        - "Why: C(no credential), C(iterations <old> -> <new>), C(password differs: a login with the declared
          password was refused), C(mechanism not declared), C(state is absent) or C(pruned: not declared)."
      type: str
applied:
  description: On a failure after changes began, the changes that were applied before it.
  returned: failure
  type: list
  elements: dict
  sample: [{user: orders, mechanism: SCRAM-SHA-512, action: create, iterations: 4096, reason: no credential}]
errors:
  description: Every problem of the input found, each naming its entry as C(users[index] 'name'), C(prune) or the option.
  returned: failure
  type: list
  elements: str
  sample: ["users[1] 'orders': iterations must be between 4096 and 16384 (what Kafka accepts), got 1000"]
"""

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_USERS_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import finish
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import INVALID
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_apply import run_users
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_user_plan import validate
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.secret_logging import SecretListsModule


def main():
    module = SecretListsModule(**KAFKA_USERS_ARGS)
    params = module.params
    users, prune, login, errors = validate(params)
    if errors:
        module.fail_json(msg=INVALID + '; '.join(errors), errors=errors)
    finish(module, lambda: run_users(params, users, prune, login, module.check_mode, module._diff))


if __name__ == '__main__':
    main()
