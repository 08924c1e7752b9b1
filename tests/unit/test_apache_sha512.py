# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The apache_sha512 filter reads a pinned checksum and both formats Apache publishes, and nothing else."""

import hashlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kafka_ansible.cluster.plugins.filter.apache_checksum import apache_sha512

DIGEST = hashlib.sha512(b'kafka').hexdigest()


def gpg_print_md(name, digest):
    """What `gpg --print-md SHA512 FILE` prints: upper case, blocks of 8, wrapped."""
    blocks = [digest.upper()[i:i + 8] for i in range(0, 128, 8)]
    indent = ' ' * (len(name) + 2)
    lines = [' '.join(blocks[i:i + 6]) for i in range(0, 16, 6)]
    return '%s: %s\n' % (name, ('\n' + indent).join(lines))


def test_gpg_format():
    assert apache_sha512(gpg_print_md('kafka_2.13-3.9.2.tgz', DIGEST)) == DIGEST


def test_sha512sum_format():
    assert apache_sha512('%s  apache-zookeeper-3.8.6-bin.tar.gz\n' % DIGEST) == DIGEST


def test_bare_digest_in_upper_case():
    assert apache_sha512(DIGEST.upper()) == DIGEST


def blocks(digest, sep=' '):
    return sep.join(digest[i:i + 8] for i in range(0, 128, 8))


@pytest.mark.parametrize('pinned', [
    'sha512:' + DIGEST,
    'sha512:' + DIGEST.upper(),
    'SHA512:' + DIGEST,
    '  Sha512 : %s \n' % DIGEST,
    'sha512:' + blocks(DIGEST.upper()),
    'sha512:\n' + blocks(DIGEST, '\n'),
    DIGEST.upper() + '\n',
    blocks(DIGEST.upper()),                 # defect 9: a bare digest with spaces
    blocks(DIGEST, '\n') + '\n',            # defect 9: ... or wrapped over lines
    '%s *kafka_2.13-3.9.2.tgz' % DIGEST,    # sha512sum -b
])
def test_pinned_checksums_in_any_case_and_spacing(pinned):
    # defect 9: an explicit checksum is normalised once, here, for get_url and the role's checks
    assert apache_sha512(pinned) == DIGEST


@pytest.mark.parametrize('text', ['sha256:' + DIGEST[:64], 'md5:0123456789abcdef0123456789abcdef'])
def test_other_algorithms_are_refused(text):
    with pytest.raises(AnsibleFilterError, match='only SHA-512 checksums are accepted'):
        apache_sha512(text)


@pytest.mark.parametrize('text', ['', 'not a checksum', DIGEST[:-2], 'file.tgz: ' + DIGEST[:64],
                                  '<html>404 Not Found</html>', 'sha512:', 'sha512:' + DIGEST + 'ab',
                                  'sha512:' + DIGEST[:-1] + 'g', DIGEST + ' ' + DIGEST])
def test_anything_else_is_refused(text):
    with pytest.raises(AnsibleFilterError, match='not a SHA-512 checksum file'):
        apache_sha512(text)
