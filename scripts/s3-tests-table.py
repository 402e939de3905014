"""Pass rates by area of a ceph/s3-tests detail file (analyze.py's TSV), tests not marked fails_on_aws,
beside a baseline file: the Markdown of bench/s3-tests.md.
usage: s3-tests-table.py DETAIL.tsv SUMMARY.txt BASELINE.tsv"""
import collections, os, re, sys
KEYNAMES = r'encoding|special|unreadable|unicode|percent|whitespace|long_name|dot|underscore|percentage'
def table(path):
    rows = collections.OrderedDict()
    for line in open(path):
        name, area, outcome, _why, markers = (line.rstrip('\n').split('\t') + [''] * 5)[:5]
        if 'fails_on_aws' in markers.split(','): continue
        result = 'passed' if outcome.startswith('passed') else outcome
        rows.setdefault(area, collections.Counter())[result] += 1
        if re.search(KEYNAMES, name):
            rows.setdefault('[cross-cut] key names & encoding', collections.Counter())[result] += 1
    return rows
def rate(c):
    ran = sum(c.values()) - c['skipped']
    return ran, c['passed'], (100 * c['passed'] / ran if ran else 0)
rows = table(sys.argv[1])
before = table(sys.argv[3]) if os.path.exists(sys.argv[3]) else {}
print('# ceph/s3-tests against the embedded S3\n')
print('Regenerate: `S3TESTS_SRC=<ceph/s3-tests checkout> scripts/s3-tests.sh`. Tests not marked `fails_on_aws`;')
print(f'"before": {os.path.basename(sys.argv[3])} (s3rver).\n')
print('| area | ran | passed | pass rate | before |\n| --- | ---: | ---: | ---: | ---: |')
total = collections.Counter(); total_before = collections.Counter()
for area, c in sorted(rows.items()):
    if not area.startswith('[cross-cut]'):
        total.update(c)
    ran, passed, pct = rate(c)
    b = before.get(area)
    if b and not area.startswith('[cross-cut]'):
        total_before.update(b)
    was = f"{rate(b)[1]}/{rate(b)[0]} ({rate(b)[2]:.1f} %)" if b else '-'
    print(f"| {area} | {ran} | {passed} | {pct:.1f} % | {was} |")
ran, passed, pct = rate(total)
print(f"| **all** | {ran} | {passed} | {pct:.1f} % | {rate(total_before)[1]}/{rate(total_before)[0]} ({rate(total_before)[2]:.1f} %) |")
print('\nAll tests (analyze.py):\n\n```')
print(open(sys.argv[2]).read().rstrip())
print('```')
