# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AnsibleModule that keeps the no_log values of list options out of its invocation log.

Ansible logs every module's invocation to syslog (the journal) and masks no_log values by searching for
them in the text. A list option is written there through str(), which escapes a value holding a backslash
or a new line (a password, a key, a JAAS file): the escaped text no longer matches the value, which would be
logged in full. This module replaces such values before the invocation is logged.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule


def secret_suboptions(argument_spec):
    """{option: [its no_log suboptions]} for the list-of-dict options of an argument spec."""
    found = {}
    for name, option in argument_spec.items():
        secret = [sub for sub, spec in (option.get('options') or {}).items() if spec.get('no_log')]
        if secret and option.get('type') == 'list':
            found[name] = secret
    return found


class SecretListsModule(AnsibleModule):
    """AnsibleModule whose invocation log holds NOT_LOGGING_PARAMETER for the no_log values inside lists."""

    def _log_invocation(self):
        saved = []
        for name, secret in secret_suboptions(self.argument_spec).items():
            for entry in self.params.get(name) or []:
                for sub in secret:
                    if entry.get(sub) is not None:
                        saved.append((entry, sub, entry[sub]))
                        entry[sub] = 'NOT_LOGGING_PARAMETER'
        try:
            super()._log_invocation()
        finally:
            for entry, sub, value in saved:
                entry[sub] = value
