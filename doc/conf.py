# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The dpdk-failover authors
#
# Sphinx configuration of the dpdk-failover documentation. Built by
# devtools/docs (sphinx-build -W: every warning fails the build) with
# Debian's python3-sphinx and no extension.

import configparser
import os
import re

from sphinx.util import logging

project = 'dpdk-failover'
copyright = '2026, The dpdk-failover authors'
author = 'The dpdk-failover authors'
version = release = '0.1.0'

root_doc = 'index'
exclude_patterns = ['_build']
# The features matrix is not reStructuredText: checked below, not built.
source_suffix = {'.rst': 'restructuredtext'}
highlight_language = 'none'
language = 'en'

html_theme = 'classic'
html_title = 'dpdk-failover documentation'
html_show_sourcelink = False

_HERE = os.path.dirname(os.path.abspath(__file__))
_NICS = os.path.join(_HERE, 'guides', 'nics')


def _ini(path):
    cp = configparser.ConfigParser(delimiters=('=',), interpolation=None)
    cp.optionxform = str
    cp.read(path)
    return cp


def _check_features_matrix(app):
    """features/failover.ini and the guide's "Features matrix" table say the
    same thing, and every key is one of DPDK's (features/default.ini), in
    DPDK's order."""
    log = logging.getLogger(__name__)
    ini = os.path.join(_NICS, 'features', 'failover.ini')
    default = _ini(os.path.join(_NICS, 'features', 'default.ini'))
    ours = _ini(ini)
    valid = list(default['Features'])
    marked = dict(ours['Features'])
    for key, value in marked.items():
        if key not in valid:
            log.warning('%s: "%s" is not a DPDK feature key', ini, key)
        if value not in ('Y', 'P'):
            log.warning('%s: "%s = %s": Y or P only', ini, key, value)
    order = [valid.index(k) for k in marked if k in valid]
    if order != sorted(order):
        log.warning("%s: keys not in default.ini's order", ini)

    rst = os.path.join(_NICS, 'failover.rst')
    with open(rst, encoding='utf-8') as f:
        text = f.read()
    m = re.search(r'^\.\. list-table:: Features matrix\n(.*?)(?=^\S)', text,
                  re.M | re.S)
    if m is None:
        log.warning('%s: no "Features matrix" list-table', rst)
        return
    table = dict(re.findall(r'^\s+\* - (.+?)\s*\n\s+- ([YP])\s*$',
                            m.group(1), re.M))
    for key in sorted(set(table) | set(marked)):
        if table.get(key) != marked.get(key):
            log.warning('%s: "Features matrix" has %s = %s, %s has %s', rst,
                        key, table.get(key, 'nothing'),
                        os.path.basename(ini), marked.get(key, 'nothing'))


def setup(app):
    app.connect('builder-inited', _check_features_matrix)
    return {'parallel_read_safe': True}
