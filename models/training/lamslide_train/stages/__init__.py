"""Stages every domain shares: first stage, approximator, interpolant/sampler, preprocessing, training, export."""
