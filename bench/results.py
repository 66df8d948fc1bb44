#!/usr/bin/env python3
"""Writes one benchmark's report into bench/RESULTS.md, replacing that benchmark's section and nothing else.

    results.py --results bench/RESULTS.md --name cds --command "./onetrip bench cds ..." \
               --started 2026-12-01T19:07:27Z --seconds 4210 < report.md

The section gets the command, when it ran, how long it took, the commit and the machine, then the report the
benchmark printed. Sections live between <!-- bench:NAME --> and <!-- /bench:NAME --> markers; text outside the
markers (the reading of the figures, written by people) is kept as it is.
"""
import argparse
import os
import platform
import re
import subprocess
import sys

ORDER = ["fhir", "cds", "persons", "dicom", "storm", "bundles"]
TITLES = {
    "fhir": "FHIR ingest and per-patient searches (Synthea)",
    "cds": "CDS duplicate-exam hook: relational vs Elasticsearch prior-exam index",
    "persons": "Persons with records at three hospitals: linked registrations and the CDS hook",
    "dicom": "DICOM C-STORE ingest and C-FIND, OneTrip vs Orthanc in the same run",
    "storm": "Booking storm across two instances on one PostgreSQL",
    "bundles": "Heap held by large transaction Bundles while stored (what the request body limit is set from)",
    "results": "Results reaching the hospitals: subscription delivery and bulk export",
    "settle": "Pay once: charges adjudicated as they happen, one settlement per visit",
}


def run(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine():
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    distro = ""
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as release:
            for line in release:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return "%d vCPU (%s), %.0f GiB RAM, %s, kernel %s, %s" % (
        os.cpu_count(), model or platform.processor(), mem_kib / 1024 / 1024, distro, platform.release(),
        java[0] if java else "java unknown")


def commit():
    head = run("git", "rev-parse", "--short", "HEAD") or "unknown"
    dirty = run("git", "status", "--porcelain", "--untracked-files=no")
    return head + (" with uncommitted changes" if dirty else "")


def section(name, command, started, seconds, report):
    minutes = "%d min %02d s" % (seconds // 60, seconds % 60)
    return "\n".join([
        "<!-- bench:%s -->" % name,
        "## %s" % TITLES.get(name, name),
        "",
        "Command: `%s`  " % command,
        "Ran: %s UTC, %s; commit %s  " % (started, minutes, commit()),
        "Machine: %s" % machine(),
        "",
        report.strip(),
        "<!-- /bench:%s -->" % name,
    ])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--started", required=True)
    parser.add_argument("--seconds", type=int, required=True)
    args = parser.parse_args()
    # Terminal colour codes (Maven's, a progress bar's) have no place in a markdown file.
    report = re.sub(r"\x1b\[[0-9;]*m", "", sys.stdin.read())
    if not report.strip():
        sys.exit("results.py: the benchmark printed no report; %s left as it was" % args.results)
    text = open(args.results).read() if os.path.exists(args.results) else ""
    new = section(args.name, args.command, args.started, args.seconds, report)
    pattern = re.compile(r"<!-- bench:%s -->.*?<!-- /bench:%s -->" % (re.escape(args.name), re.escape(args.name)), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: new, text)
    else:
        # A benchmark not yet in the file: before the first section that comes after it in ORDER, else at the end.
        later = [n for n in ORDER[ORDER.index(args.name) + 1:]] if args.name in ORDER else []
        positions = [text.find("<!-- bench:%s -->" % n) for n in later if "<!-- bench:%s -->" % n in text]
        at = min(positions) if positions else len(text)
        text = text[:at].rstrip("\n") + "\n\n" + new + "\n\n" + text[at:].lstrip("\n")
    with open(args.results, "w") as out:
        out.write(text.rstrip("\n") + "\n")
    print("results.py: section '%s' of %s written" % (args.name, args.results), file=sys.stderr)


if __name__ == "__main__":
    main()
