#!/usr/bin/env python3
"""PyTorch side of `bench/compare`: one full DDL training step and inference with the
PyTorch definitions of fixtures/ddl_torch.py, on the same configurations, batch, sizes and
thread count as `ddl bench`.

A training step: the frozen DFEM's forward (no gradients), one discriminator step on L_AD
(Eq. 6), then one DDM step on the joint loss (Eq. 11), each with Adam. Inference: the
DDM's forward in evaluation mode. Prints one JSON object.

Usage: python bench/pytorch_reference.py [--config paper|quick] [--threads 2] [--repeats 5]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import ddl_torch as dt  # noqa: E402

CONFIGS = {
    # The paper's configuration: batch 16, 90x90 crops, width 64, paper preset.
    "paper": {"width": 64, "size": 90, "batch": 16},
    # The main job's configuration: width 8 on 36x36 crops of the synthetic faces.
    "quick": {"width": 8, "size": 36, "batch": 16},
}


def build(config: dict, seed: int):
    torch.manual_seed(seed)
    cfg = dt.DDLConfig(preset="paper", variant="ddl_gar_id_il_p", width=config["width"],
                       input_size=config["size"], classes=7)
    ddm = dt.DDM(cfg)
    dfem = dt.DFEM(config["width"], cfg.factors, cfg).eval()
    for p in dfem.parameters():
        p.requires_grad_(False)
    d = dt.Discriminator()
    adam = dict(lr=1e-4, betas=(0.5, 0.999), weight_decay=5e-4)
    return cfg, ddm, dfem, d, torch.optim.Adam(ddm.parameters(), **adam), torch.optim.Adam(d.parameters(), **adam)


def train_step(cfg, ddm, dfem, d, opt, opt_d, x, labels) -> None:
    ddm.train()
    out = ddm(x)
    with torch.no_grad():
        frozen = dfem(x)
    opt_d.zero_grad(set_to_none=True)
    dt.loss_ad(d, [frozen["f_p"]], out["f_d"]).backward()
    opt_d.step()
    ce = F.cross_entropy(out["logits"], labels)
    adv = dt.loss_adv(d, out["f_d"])
    at = dt.loss_at(dt.ddm_at_maps(out), [dt.dfem_at_maps(frozen)], cfg)
    loss = dt.joint_loss(ce, adv, at, cfg.lambda1, cfg.lambda2)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="quick")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = CONFIGS[args.config]
    cfg, ddm, dfem, d, opt, opt_d = build(config, args.seed)
    g = torch.Generator().manual_seed(args.seed)
    x = torch.randn(config["batch"], 3, config["size"], config["size"], generator=g)
    labels = torch.randint(0, 7, (config["batch"],), generator=g)
    step = median_seconds(lambda: train_step(cfg, ddm, dfem, d, opt, opt_d, x, labels), args.repeats)

    def infer():
        ddm.eval()
        with torch.no_grad():
            ddm(x)

    inference = median_seconds(infer, args.repeats)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "implementation": "pytorch", "torch_version": torch.__version__, "config": args.config,
        "threads": args.threads, "batch": config["batch"], "size": config["size"], "width": config["width"],
        "train_step_seconds": step, "train_images_per_second": config["batch"] / step,
        "inference_seconds": inference, "inference_images_per_second": config["batch"] / inference,
        "peak_rss_mib": peak_kib / 1024.0,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
