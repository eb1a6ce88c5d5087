#!/usr/bin/env python3
"""Issue 7's ratio targets, measured in alternating rounds.

On a shared two-core VM the same run can differ by 20-30 % from one minute to the next, which is
as large as the effects the targets are about. So every ratio here is taken between two
measurements made back to back, and each round measures everything once before the next round
starts; the summary gives every round's ratio and their mean. Per round, each on a fresh
`trent serve --dev` (audit trail in a fresh temporary directory unless the row says otherwise):

* audit cost: Encrypt at 256 connections with the trail off (`--no-audit`), then on;
* Sign RSA-2048 (64 connections) and ECDSA P-256 (128) with the trail, each next to
  `trent bench --operation RawSign` on two threads (the library alone on the same cores);
* half load: Encrypt as an open loop at 12,500 requests/s (half the 25,000 req/s throughput
  target), 64 connections, with the trail: p50 and p99 from the intended send time.

Nothing here is part of the product or its tests; it needs a release build
(`cargo build --release`). Usage: `python3 tools/targets.py [--rounds 4] [--duration 6]`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from side_by_side import free_port, wait_until_up

ACCESS_KEY = "test"
SECRET_KEY = "test"


def bench(trent, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    out = subprocess.run(
        [trent, "bench", *args, "--json"], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def against_server(trent, audit, *args):
    """Runs `trent bench` against a fresh test-mode server, with or without the trail."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="trent-targets-") as trail:
        command = [trent, "serve", "--dev", "--listen", f"127.0.0.1:{port}"]
        command += ["--audit-dir", trail] if audit else ["--no-audit"]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            endpoint = f"http://127.0.0.1:{port}"
            wait_until_up(f"{endpoint}/healthz", server)
            result = bench(trent, "--endpoint", endpoint, "--warmup", "1", *args)
        finally:
            server.terminate()
            server.wait()
    if result["errors"]:
        sys.exit(f"{args}: {result['errors']} errors ({result['errors_by_type']})")
    return result


def one_round(trent, duration):
    seconds = ["--duration", str(duration)]
    figures = {}
    encrypt = ["--operation", "Encrypt", "--concurrency", "256", *seconds]
    off = against_server(trent, False, *encrypt)["req_per_s"]
    on = against_server(trent, True, *encrypt)["req_per_s"]
    figures["audit"] = {"off": off, "on": on, "ratio": on / off}
    for spec, connections in (("RSA_2048", 64), ("ECC_NIST_P256", 128)):
        raw = bench(
            trent, "--operation", "RawSign", "--key-spec", spec, "--concurrency", "2", *seconds
        )["req_per_s"]
        served = against_server(
            trent, True, "--operation", "Sign", "--key-spec", spec,
            "--concurrency", str(connections), *seconds,
        )["req_per_s"]
        figures[spec] = {"raw": raw, "server": served, "ratio": served / raw}
    half = against_server(
        trent, True, "--operation", "Encrypt", "--concurrency", "64", "--rate", "12500", *seconds
    )
    figures["half_load"] = {"req_per_s": half["req_per_s"], "p50_ms": half["p50_ms"],
                            "p99_ms": half["p99_ms"]}
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trent", default="target/release/trent")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=6)
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args()

    rounds = []
    for number in range(1, args.rounds + 1):
        figures = one_round(args.trent, args.duration)
        rounds.append(figures)
        audit, rsa, p256, half = (figures[k] for k in ("audit", "RSA_2048", "ECC_NIST_P256",
                                                        "half_load"))
        print(
            f"round {number}: audit {audit['on']:,.0f}/{audit['off']:,.0f} = {audit['ratio']:.2f}"
            f" | RSA {rsa['server']:,.0f}/{rsa['raw']:,.0f} = {rsa['ratio']:.2f}"
            f" | P-256 {p256['server']:,.0f}/{p256['raw']:,.0f} = {p256['ratio']:.2f}"
            f" | half load p50 {half['p50_ms']:.2f} ms, p99 {half['p99_ms']:.2f} ms",
            flush=True,
        )

    def mean(key, field):
        return statistics.mean(r[key][field] for r in rounds)

    print()
    print("| target | wanted | rounds | mean |")
    print("|---|---|---|---|")
    rows = [
        ("trail on ÷ off, Encrypt", "≥ 0.85", "audit", "ratio", "{:.2f}"),
        ("Sign RSA-2048 ÷ RawSign", "≥ 0.90", "RSA_2048", "ratio", "{:.2f}"),
        ("Sign P-256 ÷ RawSign", "≥ 0.55", "ECC_NIST_P256", "ratio", "{:.2f}"),
        ("half load p50 (ms)", "≤ 0.5", "half_load", "p50_ms", "{:.2f}"),
        ("half load p99 (ms)", "≤ 2", "half_load", "p99_ms", "{:.2f}"),
    ]
    for label, wanted, key, field, form in rows:
        each = " / ".join(form.format(r[key][field]) for r in rounds)
        print(f"| {label} | {wanted} | {each} | {form.format(mean(key, field))} |")
    if args.json:
        print(json.dumps(rounds, indent=2))


if __name__ == "__main__":
    main()
