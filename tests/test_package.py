"""The Lambda zip runs on its own: unpacked into an otherwise empty root (plus a CA bundle and a
static shell, as provided.al2023 has, and /proc), chrooted, it serves a real invocation against moto."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time
import zipfile

import pytest

from conftest import ROOT
from support.pools import rich_pool
from support.runtime_api import RuntimeAPI
from test_lambda import SCHEDULED, TABLE

ZIP = pathlib.Path(os.environ.get("LAMBDA_ZIP", ROOT / "dist/cognito-backup-lambda.zip"))
BUSYBOX = pathlib.Path("/bin/busybox")
CA_BUNDLE = pathlib.Path("/etc/ssl/certs/ca-certificates.crt")


@pytest.fixture
def lambda_root(tmp_path):
    if not ZIP.exists():
        pytest.fail(f"{ZIP} is missing: run scripts/package-lambda.sh (scripts/test.sh does)")
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    root = tmp_path / "root"
    task = root / "var/task"
    task.mkdir(parents=True)
    with zipfile.ZipFile(ZIP) as archive:
        for info in archive.infolist():
            archive.extract(info, task)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(task / info.filename, mode)
    (root / "bin").mkdir()
    shutil.copy(BUSYBOX, root / "bin/busybox")
    os.symlink("busybox", root / "bin/sh")
    for bundle in ("etc/ssl/certs/ca-certificates.crt", "etc/pki/tls/certs/ca-bundle.crt"):
        (root / bundle).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CA_BUNDLE, root / bundle)
    (root / "tmp").mkdir()
    # Lambda's environment has /proc (the Swift runtime reads the command line there).
    (root / "proc").mkdir()
    subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], check=True)
    yield root
    subprocess.run(["umount", str(root / "proc")], check=True)


def test_the_zip_carries_bootstrap_binary_loader_and_libraries():
    names = zipfile.ZipFile(ZIP).namelist()
    assert "bootstrap" in names and "bin/cognito-backup" in names
    assert any(n.startswith("lib/ld-linux") for n in names)
    assert any(n.startswith("lib/libcurl") for n in names) and any(n.startswith("lib/libc.so") for n in names)
    print(f"zip: {ZIP.stat().st_size} bytes, {len(names)} files")


def test_the_bootstrap_serves_an_invocation_inside_an_empty_chroot(aws, lambda_root):
    pool = rich_pool(aws.client("cognito-idp"), users=70, groups=3, big_group_members=62)
    aws.make_storage()
    api = RuntimeAPI(timeout_ms=120_000, max_wait_s=120).start()
    env = {k: v for k, v in aws.env().items() if k.startswith("AWS_")}
    env.update(AWS_LAMBDA_RUNTIME_API=api.address, LAMBDA_TASK_ROOT="/var/task", USER_POOL_IDS=pool,
               BACKUP_BUCKET="backups", BACKUP_TABLE=TABLE, PATH="/bin")
    started = time.monotonic()
    process = subprocess.Popen([shutil.which("chroot"), str(lambda_root), "/var/task/bootstrap"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    def rss_kb() -> int:
        return int(next(line.split()[1] for line in open(f"/proc/{process.pid}/status") if line.startswith("VmRSS")))

    try:
        deadline = time.monotonic() + 10
        while api.first_next_at is None and time.monotonic() < deadline:
            time.sleep(0.001)
        idle_kb = rss_kb()
        result = api.wait_result(api.invoke(SCHEDULED), 120)
        kind, body = result["kind"], result["body"]
        init_ms = (api.first_next_at - started) * 1000
        print(f"chroot init (start to first /next): {init_ms:.1f} ms; idle RSS {idle_kb} kB; RSS after one backup {rss_kb()} kB")
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
        api.stop()
    assert kind == "response", (body, output)
    response = json.loads(body)
    assert json.loads(response["body"])["backups"][0]["user_count"] == 70
    assert len(aws.objects()) == 1
