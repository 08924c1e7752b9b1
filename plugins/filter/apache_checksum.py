# -*- coding: utf-8 -*-
# Copyright: contributors to this project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a published .sha512 file into the hex digest that get_url's `checksum` expects.

Apache publishes two formats: `sha512sum` ("<hex>  <file>") and `gpg --print-md SHA512`
("<file>: 1A2B 3C4D ..." in upper-case blocks over several lines).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r'''
name: apache_sha512
short_description: Normalise a published .sha512 file to a lower-case hex digest
description:
  - Accepts both C(sha512sum) output and the C(gpg --print-md SHA512) format Apache uses.
positional: _input
options:
  _input:
    description: The text of the .sha512 file.
    type: str
    required: true
'''

EXAMPLES = r'''
checksum: "sha512:{{ lookup('ansible.builtin.file', archive ~ '.sha512') | apache_sha512 }}"
'''

RETURN = r'''
_value:
  description: 128 lower-case hex characters.
  type: str
'''


def apache_sha512(text):
    text = str(text).strip()
    head, sep, tail = text.partition(':')
    if sep and not re.fullmatch(r'[0-9A-Fa-f\s]+', head):
        text = tail  # gpg format: drop "<file>:"
    else:
        text = text.split()[0] if text else ''  # sha512sum format: keep the first field
    digest = re.sub(r'\s+', '', text).lower()
    if not re.fullmatch(r'[0-9a-f]{128}', digest):
        raise AnsibleFilterError('apache_sha512: not a SHA-512 checksum file: %r' % str(text)[:200])
    return digest


class FilterModule(object):
    def filters(self):
        return {'apache_sha512': apache_sha512}
