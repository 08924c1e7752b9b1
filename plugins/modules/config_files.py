#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: config_files
short_description: Lay out a service's directories and configuration files in one call
description:
  - Creates directories and writes files with their owner, group and mode, all in one module call
    on the node. A role that writes its files this way costs one call per run, where a
    M(ansible.builtin.template) or M(ansible.builtin.copy) task per file costs two (a checksum
    stat, then a file call for the attributes) even when nothing changes.
  - A file is rewritten only when its content differs (compared on the node, byte for byte); it
    is replaced atomically, with its owner, group and mode set before it takes the place of the old one.
  - Everything is checked before anything changes (absolute paths, known owners and groups, a
    directory for every file, no directory where a file should be), so bad input changes nothing.
  - Directories are processed first, then files, then links, in the order given.
version_added: "1.1.0"
author: kafka-ansible contributors
options:
  directories:
    description: Directories to create (with their parents) and whose owner, group and mode to set.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: One or more absolute paths that take the same owner, group and mode.
        type: list
        elements: str
        required: true
      owner:
        description: Owner name; omitted keeps the current one (root for a new directory).
        type: str
      group:
        description: Group name; omitted keeps the current one.
        type: str
      mode:
        description: Octal mode, for example V('0750'); omitted keeps the current one.
        type: str
  files:
    description: Files and their content. C(--diff) shows the change of each one.
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: Absolute path of the file. Its directory must exist or be listed in O(directories), unless the file is to be absent.
        type: str
        required: true
      content:
        description: The whole content of the file. Required unless O(files[].state=absent).
        type: str
      state:
        description: V(absent) removes the file.
        type: str
        choices: [present, absent]
        default: present
      owner:
        description: Owner name; omitted keeps the current one (root for a new file).
        type: str
      group:
        description: Group name; omitted keeps the current one.
        type: str
      mode:
        description: Octal mode; omitted keeps the current one (0644 less the umask for a new file).
        type: str
  secret_files:
    description:
      - Files whose content holds secrets, with the suboptions of O(files). Their content is never
        logged nor returned, and C(--diff) never shows it (write a masked copy in O(files) for that).
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: Absolute path of the file.
        type: str
        required: true
      content:
        description: The whole content of the file. Required unless O(secret_files[].state=absent).
        type: str
      state:
        description: V(absent) removes the file.
        type: str
        choices: [present, absent]
        default: present
      owner:
        description: Owner name.
        type: str
      group:
        description: Group name.
        type: str
      mode:
        description: Octal mode.
        type: str
  links:
    description: Symbolic links to create or repoint. A path that exists as anything but a link is an error.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: One or more absolute paths of links that point at the same target.
        type: list
        elements: str
        required: true
      target:
        description: What the links point at.
        type: str
        required: true
  requires:
    description:
      - Paths that must exist before anything is written, for example the release the files point into.
        A missing one fails the call, with its hint, and nothing is changed.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path that must exist.
        type: str
        required: true
      hint:
        description: What to do when it is missing, added to the error.
        type: str
        default: ""
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
notes:
  - Owner and group are names, never numeric ids. SELinux contexts and file attributes are not managed.
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: Write the broker's directories, configuration and unit
  kafka_ansible.cluster.config_files:
    directories:
      - {path: [/etc/kafka], owner: root, group: kafka, mode: "0755"}
      - {path: [/var/lib/kafka/data, /var/log/kafka], owner: kafka, group: kafka, mode: "0750"}
    files:
      - dest: /etc/systemd/system/kafka.service
        content: "{{ lookup('ansible.builtin.template', 'kafka.service.j2') }}"
        owner: root
        group: root
        mode: "0644"
    secret_files:
      - dest: /etc/kafka/server.properties
        content: "{{ properties_with_passwords }}"
        owner: root
        group: kafka
        mode: "0640"
  register: written

- name: Put two commands on PATH, once the release is there
  kafka_ansible.cluster.config_files:
    requires:
      - {path: /opt/kafka/bin/kafka-run-class.sh, hint: deploy the brokers first}
    links:
      - {path: [/usr/local/bin/kafka-topics, /usr/local/bin/kafka-configs], target: /usr/local/lib/kafka-cli/kafka_cli.py}
"""

RETURN = r"""
changed_paths:
  description: The directories, files and links created, rewritten, removed or given new attributes (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/kafka/server.properties]
"""

import grp
import os
import pwd
import tempfile

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.secret_logging import SecretListsModule

_OWNERSHIP = dict(owner=dict(type='str'), group=dict(type='str'), mode=dict(type='str'))
ARGUMENT_SPEC = dict(
    directories=dict(type='list', elements='dict', default=[], options=dict(
        path=dict(type='list', elements='str', required=True), **_OWNERSHIP)),
    files=dict(type='list', elements='dict', default=[], options=dict(
        dest=dict(type='str', required=True), content=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'), **_OWNERSHIP)),
    secret_files=dict(type='list', elements='dict', default=[], options=dict(
        dest=dict(type='str', required=True), content=dict(type='str', no_log=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'), **_OWNERSHIP)),
    links=dict(type='list', elements='dict', default=[], options=dict(
        path=dict(type='list', elements='str', required=True), target=dict(type='str', required=True))),
    requires=dict(type='list', elements='dict', default=[], options=dict(
        path=dict(type='str', required=True), hint=dict(type='str', default=''))),
)


def problems(directories, files, links, requires):
    """Every reason the request cannot be carried out, found before anything changes."""
    found = ['required %s is missing%s' % (r['path'], ': ' + r['hint'] if r.get('hint') else '')
             for r in requires if not os.path.lexists(r['path'])]
    listed_dirs = set()
    for entry in directories:
        for path in entry['path']:
            listed_dirs.add(os.path.normpath(path))
    entries = [('directory', path, entry) for entry in directories for path in entry['path']]
    entries += [('file', entry['dest'], entry) for entry in files]
    entries += [('link', path, entry) for entry in links for path in entry['path']]
    for kind, path, entry in entries:
        if not os.path.isabs(path):
            found.append('%s %r: the path must be absolute' % (kind, path))
            continue
        if entry.get('owner'):
            try:
                pwd.getpwnam(entry['owner'])
            except KeyError:
                found.append('%s %s: no user named %r' % (kind, path, entry['owner']))
        if entry.get('group'):
            try:
                grp.getgrnam(entry['group'])
            except KeyError:
                found.append('%s %s: no group named %r' % (kind, path, entry['group']))
        mode = entry.get('mode')
        if mode is not None:
            try:
                if not 0 <= int(mode, 8) <= 0o7777:
                    raise ValueError
            except ValueError:
                found.append('%s %s: mode %r is not an octal mode' % (kind, path, mode))
        if kind == 'directory':
            if os.path.lexists(path) and not os.path.isdir(path):
                found.append('directory %s: exists and is not a directory' % path)
            continue
        if kind == 'link':
            if os.path.lexists(path) and not os.path.islink(path):
                found.append('link %s: exists and is not a link' % path)
        else:
            if entry.get('state', 'present') == 'present' and entry.get('content') is None:
                found.append('file %s: content is required unless state is absent' % path)
            if os.path.isdir(path):
                found.append('file %s: exists and is a directory' % path)
        parent = os.path.dirname(os.path.normpath(path))
        # A listed directory at or below the parent creates it; a file to remove needs none (without it, it is absent).
        if entry.get('state') != 'absent' and not os.path.isdir(parent) and not any(d == parent or d.startswith(parent + os.sep) for d in listed_dirs):
            found.append('%s %s: its directory %s does not exist and is not in directories' % (kind, path, parent))
    return found


def attributes(module, path, entry):
    return module.load_file_common_arguments(
        dict(path=path, owner=entry.get('owner'), group=entry.get('group'), mode=entry.get('mode')))


def ensure_directory(module, path, entry):
    """(changed, diff) for one directory."""
    diff = {'before': {'path': path}, 'after': {'path': path}}
    created = not os.path.isdir(path)
    if created:
        diff['before']['state'], diff['after']['state'] = 'absent', 'directory'
        if not module.check_mode:
            os.makedirs(path)
    if created and module.check_mode:
        return True, diff
    changed = module.set_fs_attributes_if_different(attributes(module, path, entry), created, diff=diff)
    return changed, diff


def read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_atomically(module, path, data, entry):
    """Write the new content beside the file, give it its attributes, then rename it over the file."""
    directory = os.path.dirname(path)
    handle, temp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, 'wb') as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        current = os.stat(path) if os.path.exists(path) else None
        uid = pwd.getpwnam(entry['owner']).pw_uid if entry.get('owner') else (current.st_uid if current else -1)
        gid = grp.getgrnam(entry['group']).gr_gid if entry.get('group') else (current.st_gid if current else -1)
        os.chown(temp, uid, gid)
        if entry.get('mode'):
            mode = int(entry['mode'], 8)
        elif current:
            mode = current.st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o644 & ~umask
        os.chmod(temp, mode)
        os.rename(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def ensure_file(module, entry, secret):
    """(changed, diff) for one file; the diff of a secret file never holds its content."""
    path = entry['dest']
    before = read(path)
    absent = entry.get('state', 'present') == 'absent'
    if absent and before is None:
        return False, None
    data = None if absent else entry['content'].encode('utf-8')
    if before != data:
        if not module.check_mode:
            if absent:
                os.unlink(path)
            else:
                write_atomically(module, path, data, entry)
        if secret:
            shown = ('', '(content not shown: secret)\n')
        else:
            shown = (text(before), '' if absent else entry['content'])
        return True, {'before_header': path, 'after_header': path, 'before': shown[0], 'after': shown[1]}
    attr_diff = {'before': {'path': path}, 'after': {'path': path}}
    changed = module.set_fs_attributes_if_different(attributes(module, path, entry), False, diff=attr_diff)
    return changed, attr_diff


def ensure_link(module, path, target):
    """(changed, diff) for one link, repointed by renaming a new link over the old one."""
    before = os.readlink(path) if os.path.islink(path) else None
    if before == target:
        return False, None
    if not module.check_mode:
        temp = os.path.join(os.path.dirname(path), '.%s.%d.link' % (os.path.basename(path), os.getpid()))
        os.symlink(target, temp)
        os.rename(temp, path)
    return True, {'before': {'path': path, 'src': before or '(absent)'}, 'after': {'path': path, 'src': target}}


def text(data):
    if data is None:
        return ''
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return '(binary content)\n'


def main():
    module = SecretListsModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    directories = module.params['directories']
    files = module.params['files']
    secrets = module.params['secret_files']
    links = module.params['links']
    found = problems(directories, files + secrets, links, module.params['requires'])
    if found:
        module.fail_json(msg='Invalid input, nothing was changed: %s' % '; '.join(found), errors=found)

    changed_paths, diffs = [], []
    work = [(path, ensure_directory, (path, entry)) for entry in directories for path in entry['path']]
    work += [(entry['dest'], ensure_file, (entry, False)) for entry in files]
    work += [(entry['dest'], ensure_file, (entry, True)) for entry in secrets]
    work += [(path, ensure_link, (path, entry['target'])) for entry in links for path in entry['path']]
    for path, ensure, args in work:
        try:
            changed, diff = ensure(module, *args)
        except (OSError, ValueError) as exc:
            module.fail_json(msg='%s (changed before the failure: %s)' % (exc, changed_paths or 'nothing'),
                             changed=bool(changed_paths), changed_paths=changed_paths)
        if changed:
            changed_paths.append(path)
            diffs.append(diff)

    result = dict(changed=bool(changed_paths), changed_paths=changed_paths)
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
