"""Shared fixtures of the pipeline tests: paths of the repository, the shipped models and the data (read in place).

Tests that need ../shared/data skip (naming the missing folder) where it is not staged; everything else runs
anywhere with Debian's /usr/bin/python3 (PyTorch, ONNX, NumPy)."""
import os
import sys

import pytest
import torch

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(TRAINING))
MODELS = os.path.join(REPO, "models")
DATA = os.environ.get("LAMSLIDE_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))

sys.path.insert(0, TRAINING)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
torch.set_num_threads(1)


def shipped_models():
    """The pedestrian model folders in models/ (each with weights.pt and fixtures)."""
    if not os.path.isdir(MODELS):
        return []
    return sorted(d for d in os.listdir(MODELS)
                  if os.path.isfile(os.path.join(MODELS, d, "weights.pt")) and d.startswith("eth_ucy-"))


def built_models():
    """Every model folder in models/ with weights.pt and fixtures (all domains)."""
    if not os.path.isdir(MODELS):
        return []
    return sorted(d for d in os.listdir(MODELS) if os.path.isfile(os.path.join(MODELS, d, "weights.pt")))


@pytest.fixture
def data_root():
    if not os.path.isdir(os.path.join(DATA, "eth_ucy")):
        pytest.skip(f"ETH/UCY data not staged at {DATA}/eth_ucy (set LAMSLIDE_DATA)")
    return DATA
