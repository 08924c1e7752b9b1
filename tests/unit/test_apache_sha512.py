"""The apache_sha512 filter reads both formats Apache publishes, and nothing else."""

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


@pytest.mark.parametrize('text', ['', 'not a checksum', DIGEST[:-2], 'file.tgz: ' + DIGEST[:64],
                                  '<html>404 Not Found</html>'])
def test_anything_else_is_refused(text):
    with pytest.raises(AnsibleFilterError, match='not a SHA-512 checksum file'):
        apache_sha512(text)
