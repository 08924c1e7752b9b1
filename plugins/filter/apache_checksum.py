# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Turn a pinned SHA-512 checksum or a published .sha512 file into the hex digest that
get_url's `checksum` expects.

Accepted: `sha512:<hex>` (any case, spaces and newlines inside), a bare hex digest (the same),
and the two formats Apache publishes: `sha512sum` ("<hex>  <file>") and `gpg --print-md SHA512`
("<file>: 1A2B 3C4D ..." in upper-case blocks over several lines).
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r'''
name: apache_sha512
short_description: Normalise a SHA-512 checksum or a published .sha512 file to a lower-case hex digest
description:
  - Accepts a pinned C(sha512:<hex>) or a bare hex digest, in any case and with spaces or newlines
    inside, and the two formats Apache publishes in C(.sha512) files, C(sha512sum) output and
    C(gpg --print-md SHA512).
  - Anything else (another algorithm, a truncated digest, an HTML error page) is an error.
positional: _input
options:
  _input:
    description: The pinned checksum or the text of the .sha512 file.
    type: str
    required: true
'''

EXAMPLES = r'''
checksum: "sha512:{{ lookup('ansible.builtin.file', archive ~ '.sha512') | kafka_ansible.cluster.apache_sha512 }}"
pinned: "{{ 'SHA512: 1A2B...' | kafka_ansible.cluster.apache_sha512 }}"
'''

RETURN = r'''
_value:
  description: 128 lower-case hex characters.
  type: str
'''

HEX_WITH_SPACES = re.compile(r'[0-9A-Fa-f\s]+')
PINNED = re.compile(r'sha512\s*:(.*)', re.IGNORECASE | re.DOTALL)
SHA512SUM = re.compile(r'([0-9A-Fa-f]{128})[ \t]+\*?\S[^\n]*')
GPG_PRINT_MD = re.compile(r'[^:\n]+:([0-9A-Fa-f\s]+)')
OTHER_ALGORITHM = re.compile(r'(md5|sha1|sha224|sha256|sha384)\s*:', re.IGNORECASE)


def _digest(text):
    """The hex digest in ``text``, or None when it is in none of the accepted forms."""
    pinned = PINNED.fullmatch(text)
    if pinned:
        text = pinned.group(1).strip()
        return text if HEX_WITH_SPACES.fullmatch(text) else None
    if HEX_WITH_SPACES.fullmatch(text):
        return text
    sha512sum = SHA512SUM.fullmatch(text)
    if sha512sum:
        return sha512sum.group(1)
    gpg = GPG_PRINT_MD.fullmatch(text)
    if gpg:
        return gpg.group(1)
    return None


def apache_sha512(text):
    text = str(text).strip()
    if OTHER_ALGORITHM.match(text):
        raise AnsibleFilterError('apache_sha512: only SHA-512 checksums are accepted, got %r' % text[:200])
    digest = re.sub(r'\s+', '', _digest(text) or '').lower()
    if len(digest) != 128:
        raise AnsibleFilterError('apache_sha512: not a SHA-512 checksum file or value (expected sha512:<hex>, '
                                 'a bare hex digest, or sha512sum or gpg --print-md output): %r' % text[:200])
    return digest


class FilterModule(object):
    def filters(self):
        return {'apache_sha512': apache_sha512}
