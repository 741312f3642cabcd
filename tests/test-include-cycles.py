#!/usr/bin/env python3
# test-include-cycles.py
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# No two classes of a folder include each other, even through others: a
# class's files (osais-thing.c, its -private.h and the osais-thing-*.c
# that have no header of their own) count as one, and a loop of
# #include "…" lines between classes is reported. A loop means a change to
# one needs reading the others; a class reaches its container by an action.
#
# Usage: test-include-cycles.py FOLDER…

import os
import re
import sys


def class_of(folder, name):
    base = name.rsplit('.', 1)[0]
    if base.endswith('-private'):
        return base[:-len('-private')]
    if name.endswith('.c') and not os.path.exists(os.path.join(folder, base + '.h')):
        parts = base.split('-')
        for i in range(len(parts) - 1, 0, -1):
            prefix = '-'.join(parts[:i])
            if os.path.exists(os.path.join(folder, prefix + '.h')):
                return prefix
    return base


def loops(folder):
    edges = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(('.c', '.h')):
            continue
        with open(os.path.join(folder, name), encoding='utf-8') as f:
            included = re.findall(r'^#include\s+"([^"]+)"', f.read(), re.M)
        here = class_of(folder, name)
        for header in included:
            if os.path.exists(os.path.join(folder, header)):
                there = class_of(folder, header)
                if there != here:
                    edges.setdefault(here, set()).add(there)

    # Tarjan's strongly connected components: each of more than one class
    # is a loop.
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return edges, found


status = 0
for folder in sys.argv[1:]:
    edges, found = loops(folder)
    for component in found:
        status = 1
        print(f'{folder}: include loop among {", ".join(component)}')
        for c in component:
            print(f'  {c} includes {", ".join(sorted(edges[c] & set(component)))}')
sys.exit(status)
