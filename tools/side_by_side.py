#!/usr/bin/env python3
"""Trent and moto_server measured in one run, by two load generators.

Issue 7 asks for throughput and latency *ratios* against another KMS server on the same
machine, measured by Trent's own generator and by an independent one. This script starts both
servers on free loopback ports (Trent in test mode with its audit trail on, moto_server as
installed by `pip install moto[server]`), then loads each in turn:

* `trent bench` (SigV4-signs every request; Encrypt, Decrypt, GenerateDataKey);
* `wrk` (C, from Debian's `wrk` package): replays one Encrypt request signed by botocore. A
  signature stays valid for the 15-minute clock-skew window, so the server still verifies it
  on every request; only the signing cost moves off the generator.

It prints a table and, with --json, the raw figures. Nothing here is part of the product or
its tests; it needs a release build (`cargo build --release`).
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, process, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"{url}: the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers, even if not 200
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not come up in {seconds} s")


def kms_client(endpoint):
    return boto3.client(
        "kms",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def trent_bench(trent, endpoint, operation, concurrency, duration):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    out = subprocess.run(
        [trent, "bench", "--endpoint", endpoint, "--operation", operation,
         "--concurrency", str(concurrency), "--duration", str(duration),
         "--warmup", "1", "--json"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    result = json.loads(out)
    return {k: result[k] for k in ("req_per_s", "p50_ms", "p99_ms", "errors")}


def signed_encrypt_script(endpoint, key_id, path):
    body = json.dumps({"KeyId": key_id, "Plaintext": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
    request = AWSRequest(
        method="POST", url=endpoint + "/", data=body,
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "TrentService.Encrypt"},
    )
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "kms", REGION).add_auth(request)
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
    for name, value in request.headers.items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def to_ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(endpoint, key_id, concurrency, duration, workdir):
    script = os.path.join(workdir, f"encrypt-{abs(hash(endpoint))}.lua")
    signed_encrypt_script(endpoint, key_id, script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{duration}s", "--latency", "-s", script,
         endpoint + "/"],
        check=True, capture_output=True, text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return {"req_per_s": rate, "p50_ms": p50, "p99_ms": p99, "errors": errors}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trent", default="target/release/trent")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for tool in ("wrk", "moto_server"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")

    workdir = tempfile.mkdtemp(prefix="side-by-side-")
    trent_port, moto_port = free_port(), free_port()
    servers = {
        "trent": (
            [args.trent, "serve", "--dev", "--audit-dir", os.path.join(workdir, "audit"),
             "--listen", f"127.0.0.1:{trent_port}"],
            f"http://127.0.0.1:{trent_port}",
        ),
        "moto_server": (["moto_server", "-p", str(moto_port)], f"http://127.0.0.1:{moto_port}"),
    }
    processes = []
    results = []
    try:
        for name, (command, endpoint) in servers.items():
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            wait_until_up(endpoint + "/", process)
        for name, (_, endpoint) in servers.items():
            for operation in ("Encrypt", "Decrypt", "GenerateDataKey"):
                figures = trent_bench(args.trent, endpoint, operation, args.concurrency, args.duration)
                results.append({"server": name, "generator": "trent bench",
                                "operation": operation, **figures})
            key_id = kms_client(endpoint).create_key()["KeyMetadata"]["KeyId"]
            figures = wrk(endpoint, key_id, args.concurrency, args.duration, workdir)
            results.append({"server": name, "generator": "wrk (one signed request)",
                            "operation": "Encrypt", **figures})
    finally:
        for process in processes:
            process.terminate()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.concurrency} connections, {args.duration} s each, one machine\n")
    print(f"{'generator':<26}{'operation':<17}{'server':<13}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in results:
        print(f"{r['generator']:<26}{r['operation']:<17}{r['server']:<13}{r['req_per_s']:>10.0f}"
              f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['errors']:>8}")
    print("\nratios (Trent ÷ moto_server): throughput, p99 latency")
    for r in results:
        if r["server"] != "trent":
            continue
        other = next(o for o in results if o["server"] == "moto_server"
                     and o["generator"] == r["generator"] and o["operation"] == r["operation"])
        print(f"  {r['generator']:<26}{r['operation']:<17}"
              f"{r['req_per_s'] / other['req_per_s']:>8.1f}x  {r['p99_ms'] / other['p99_ms']:>8.3f}")


if __name__ == "__main__":
    main()
