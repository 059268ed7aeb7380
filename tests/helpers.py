"""Helpers shared by tests and benchmarks."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path
from typing import Any


def record_generate_calls(engine: Any, monkeypatch: Any = None) -> list[list[str]]:
    """Spy on a real engine: the texts of each ``generate_scored`` call (what the translator
    calls), in order.

    The engine still runs; with ``monkeypatch`` the spy is undone after the test.
    """
    calls: list[list[str]] = []
    original = engine.generate_scored

    def spy(texts, options, **kwargs):
        calls.append(list(texts))
        return original(texts, options, **kwargs)

    if monkeypatch is not None:
        monkeypatch.setattr(engine, "generate_scored", spy)
    else:
        engine.generate_scored = spy
    return calls


def lively_copy(source: Path, target: Path, seed: int = 0) -> Path:
    """A tiny model with larger random weights.

    The factory's small initial weights make every input decode to the same few repeated
    tokens, so two code paths could agree by accident; with weights of unit-scale activations
    the outputs depend on the input and a wrong start token or prefix changes them.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM

    shutil.copytree(source, target)
    model = AutoModelForSeq2SeqLM.from_pretrained(source)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() >= 2 and "embed_positions" not in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 3
                            / math.sqrt(param.shape[-1]))
        # Marian's decoder starts from the pad embedding, which must stay zero.
        for module in model.modules():
            if isinstance(module, torch.nn.Embedding) and module.padding_idx is not None:
                module.weight[module.padding_idx].zero_()
    model.save_pretrained(target)
    return target


def stop_process(process: subprocess.Popen) -> None:
    """End a server started for a test or a benchmark: politely, then for good."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
