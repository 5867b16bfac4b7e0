#!/bin/sh
# Regenerate tests/data/depth_reference.json with GAP (packages gap-core gap-libs gap-smallgrp).
set -e
cd "$(dirname "$0")/../../.."
gap -q --quitonbreak tests/data/gap/make_depth_reference.g
python -c "import json; d = json.load(open('tests/data/depth_reference.json')); print(len(d['groups']), 'groups written')"
