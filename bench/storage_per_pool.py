"""Objects and bytes one pool keeps in one region's bucket under the template's lifecycle rules,
with hourly backups: the retention tiers at template/backup.yaml's defaults, and one flat rule
keeping every backup 90 days, for comparison. Computed, not measured: docs/cost.md's storage
table is this script's output, and tests/test_docs.py checks that it still is.

    python3 bench/storage_per_pool.py                    # the table docs/cost.md shows
    python3 bench/storage_per_pool.py --plain-bytes 650 --gzip-bytes 120 --users 250000

The inputs:
- the bytes a backup stores per user, measured by bench/benchmark.py on 100,000 synthetic users
  (`python3 bench/benchmark.py --users 100000 --groups 20 --members-per-group 500`, and the same
  with `--compression gzip`: "stored N bytes per user"); a larger pool is that size times its
  users, linearly;
- a manifest's bytes (one beside every backup, with the same tag and lifecycle);
- each tier's days: the template's defaults, `MonthlyRetentionMonths` turned into days by its
  `MonthsInDays` mapping, as the template's lifecycle rules do.

The model, S3's lifecycle timing: a backup starts a few seconds past the hour (the schedule's
`rate(1 hour)`); a pool's first backup of a UTC month is tagged monthly, its first of a UTC day
daily, the others hourly. Its rule's Days expire it at the first midnight UTC after creation +
N days (S3 rounds up to midnight), which leaves a delete marker: the bucket is versioned, so the
backup becomes a noncurrent version, and NoncurrentDays removes that version at the first
midnight after it became noncurrent + N days. Until then it is stored and billed. Counts are
averaged over 96 instants of a year, long after the first backup, so every tier is full.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib

import yaml

TEMPLATE = pathlib.Path(__file__).resolve().parents[1] / "template" / "backup.yaml"
DAY = 24  # hours
FLAT_DAYS = 90


class _Template(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Ref, !If, …) as plain values: only the
    parameters' defaults and the mapping are wanted here."""


_Template.add_multi_constructor("!", lambda loader, suffix, node: None)


def template_tiers(path: pathlib.Path = TEMPLATE) -> dict[str, int]:
    """Each tier's days at the template's defaults: hourly, daily, monthly."""
    template = yaml.load(path.read_text(), Loader=_Template)
    parameters = template["Parameters"]
    months = str(parameters["MonthlyRetentionMonths"]["Default"])
    return {"hourly": int(parameters["HourlyRetentionDays"]["Default"]),
            "daily": int(parameters["DailyRetentionDays"]["Default"]),
            "monthly": int(template["Mappings"]["MonthsInDays"][months]["Days"])}


def hours(t: dt.datetime) -> int:
    return int(t.replace(tzinfo=dt.timezone.utc).timestamp()) // 3600


def midnight_after(hour: int) -> int:
    """The first midnight UTC after an instant a few seconds past `hour`."""
    return (hour // DAY + 1) * DAY


def tier_of(hour: int) -> str:
    when = dt.datetime.fromtimestamp(hour * 3600, dt.timezone.utc)
    if when.hour != 0:
        return "hourly"
    return "monthly" if when.day == 1 else "daily"


def kept(days_of_tier: dict[str, int]) -> tuple[float, float]:
    """(backups current, backup versions stored) of one pool, averaged over the instants."""
    first, last = hours(dt.datetime(2023, 1, 1)), hours(dt.datetime(2027, 1, 1))
    lifetimes = []
    for created in range(first, last):
        days = days_of_tier[tier_of(created)]
        expires = midnight_after(created + days * DAY)
        # The delete marker is written after that midnight, so the version is noncurrent from
        # a moment past it, and goes at the first midnight after that + N days.
        gone = midnight_after(expires + days * DAY)
        lifetimes.append((created, expires, gone))
    instants = [hours(dt.datetime(2026, month, day, hour)) for month in range(1, 13)
                for day in (3, 11, 19, 27) for hour in (5, 17)]
    current = versions = 0
    for at in instants:
        current += sum(1 for created, expires, _ in lifetimes if created <= at < expires)
        versions += sum(1 for created, _, gone in lifetimes if created <= at < gone)
    return current / len(instants), versions / len(instants)


def gigabytes(versions: float, users: int, bytes_per_user: float, manifest_bytes: int) -> float:
    return versions * (users * bytes_per_user + manifest_bytes) / 1e9


def size(gb: float) -> str:
    return f"{gb:,.0f} GB" if gb >= 100 else f"{gb:.1f} GB" if gb >= 1 else f"{gb:.2f} GB"


def table(arguments: argparse.Namespace) -> str:
    tiers = {"hourly": arguments.hourly_days, "daily": arguments.daily_days, "monthly": arguments.monthly_days}
    policies = [(f"retention tiers ({tiers['hourly']} d / {tiers['daily']} d / {tiers['monthly']} d)", tiers),
                (f"every backup {FLAT_DAYS} days (one rule, for comparison)", dict.fromkeys(tiers, FLAT_DAYS))]
    sizes = [(f"{name} at {users:,}", users, per_user) for name, per_user in (("plain", arguments.plain_bytes),
                                                                                ("gzip", arguments.gzip_bytes))
             for users in arguments.users]
    header = ["per pool and region, hourly backups", "backups current", "versions stored",
              "objects stored (object + manifest)"] + [label for label, _, _ in sizes]
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    for name, days in policies:
        current, versions = kept(days)
        cells = [name, f"{current:,.0f}", f"{versions:,.0f}", f"{2 * versions:,.0f}"]
        cells += [size(gigabytes(versions, users, per_user, arguments.manifest_bytes)) for _, users, per_user in sizes]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    tiers = template_tiers()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plain-bytes", type=float, default=392,
                        help="bytes stored per user, uncompressed (default: 392, the benchmark's 100,000 users)")
    parser.add_argument("--gzip-bytes", type=float, default=49,
                        help="bytes stored per user with --compression gzip (default: 49, the same run)")
    parser.add_argument("--manifest-bytes", type=int, default=500,
                        help="bytes of one manifest (default: 500; the tests' moto backup writes 513)")
    parser.add_argument("--users", type=int, nargs="+", default=[100_000, 1_000_000], help="pool sizes")
    parser.add_argument("--hourly-days", type=int, default=tiers["hourly"])
    parser.add_argument("--daily-days", type=int, default=tiers["daily"])
    parser.add_argument("--monthly-days", type=int, default=tiers["monthly"],
                        help="days, as MonthsInDays gives them (default: the template's)")
    return parser.parse_args(argv)


def versions_kept(arguments: argparse.Namespace) -> int:
    """The tiers' versions stored, rounded: docs/cost.md's K."""
    return round(kept({"hourly": arguments.hourly_days, "daily": arguments.daily_days,
                       "monthly": arguments.monthly_days})[1])


if __name__ == "__main__":
    print(table(parse()))
