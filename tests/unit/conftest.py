"""Make the repo's plugins importable the way Ansible imports them."""

import os
import sys

import ansible.module_utils

PLUGINS = os.path.join(os.path.dirname(__file__), '..', '..', 'plugins')

# Modules import shared code as ansible.module_utils.<name> (module_utils = plugins/module_utils).
ansible.module_utils.__path__.append(os.path.abspath(os.path.join(PLUGINS, 'module_utils')))
# Modules themselves are plain files; import them by name in tests.
sys.path.insert(0, os.path.abspath(os.path.join(PLUGINS, 'modules')))
