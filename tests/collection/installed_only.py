"""pytest plugin: fail the run unless every collection module it imported came from the installed copy.

tools/collection-check.sh runs the shipped tests/unit inside the installed collection; this proves
that `ansible_collections.kafka_ansible.cluster...` resolved there and not to the checkout.
"""

import os
import sys

import pytest


def pytest_sessionfinish(session):
    root = os.path.realpath(os.environ['COLLECTION_INSTALL_ROOT'])
    ours = {name: mod for name, mod in sys.modules.items()
            if name.startswith('ansible_collections.kafka_ansible.cluster.') and getattr(mod, '__file__', None)}
    outside = sorted(name for name, mod in ours.items()
                     if not os.path.realpath(mod.__file__).startswith(root + os.sep))
    if not ours or outside:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        sys.stderr.write('collection modules imported from outside %s: %s\n' % (root, outside or 'none imported at all'))
    else:
        sys.stderr.write('%d collection modules, all imported from the installed copy\n' % len(ours))
